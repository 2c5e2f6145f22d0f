"""The decision's asset FK loses its own index: (asset_id, created_at DESC) starts with it.

Only the index is dropped (no FK re-validation, no data touched); Django's AlterField would
drop and re-add the foreign key constraint, scanning the table to validate it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aiassets", "0018_asset_lean_hash_indexes"),
        ("moderation", "0002_face_redaction_verdict"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="decision",
                    name="asset",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="decisions",
                        to="aiassets.asset",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "moderation_decision_asset_id_b9034622"',
                    reverse_sql='CREATE INDEX "moderation_decision_asset_id_b9034622" '
                    'ON "moderation_decision" ("asset_id")',
                ),
            ],
        ),
    ]
