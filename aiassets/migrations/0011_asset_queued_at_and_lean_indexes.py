"""Scale: a stored queued_at that orders the review queues, a partial index for the public
gallery, and leaner Variant indexes (the asset FK and status indexes were covered by others).

Only additive: queued_at is added empty, so no existing row is rewritten; new assets get their
creation time (Asset.save), and moderation.queues.backfill_queued_at() stamps older ones.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("aiassets", "0010_face_redaction_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="asset",
            name="queued_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                help_text="When the asset entered its moderation state (its latest status "
                "change); orders the review queues. Written with each moderation decision.",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(fields=["moderation_status", "queued_at"], name="asset_queue_idx"),
        ),
        migrations.AlterField(
            model_name="asset",
            name="moderation_status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("in_review", "In review"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("taken_down", "Taken down"),
                ],
                default="pending",
                editable=False,
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="asset",
            index=models.Index(
                condition=models.Q(("moderation_status", "approved"), ("published", True)),
                fields=["-created_at", "-id"],
                name="asset_public_newest_idx",
            ),
        ),
        migrations.RemoveIndex(model_name="variant", name="aiassets_va_status_cc2282_idx"),
        migrations.AddIndex(
            model_name="variant",
            index=models.Index(
                condition=models.Q(("status", "ready"), _negated=True),
                fields=["status", "updated_at"],
                name="variant_unfinished_idx",
            ),
        ),
        migrations.AlterField(
            model_name="variant",
            name="asset",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="variants",
                to="aiassets.asset",
            ),
        ),
        migrations.AlterField(
            model_name="variant",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("deferred", "Deferred (queue full)"),
                    ("ready", "Ready"),
                    ("failed", "Failed"),
                ],
                default="pending",
                max_length=10,
            ),
        ),
    ]
