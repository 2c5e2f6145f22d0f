"""Tags (django-taggit, through TaggedAsset with a real foreign key) and collections.

Additive: new tables only. On PostgreSQL also an index on UPPER(name) of taggit's tag table,
the expression a case-insensitive tag lookup (``name__iexact``) compares.
"""

import django.db.models.deletion
import taggit.managers
from django.db import migrations, models


TAG_NAME_INDEX = "aiassets_taggit_tag_upper_name_idx"


def add_tag_name_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TAG_NAME_INDEX} ON taggit_tag (UPPER(name::text))"
        )


def drop_tag_name_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TAG_NAME_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("aiassets", "0017_merge_api_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.CreateModel(
            name="Collection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200)),
                (
                    "slug",
                    models.SlugField(
                        help_text="Used in gallery and API URLs.", max_length=100, unique=True
                    ),
                ),
                ("description", models.TextField(blank=True, default="")),
                ("created", models.DateTimeField(auto_now_add=True)),
                (
                    "assets",
                    models.ManyToManyField(
                        blank=True, related_name="collections", to="aiassets.asset"
                    ),
                ),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="TaggedAsset",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "content_object",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tagged_items",
                        to="aiassets.asset",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="aiassets_taggedasset_items",
                        to="taggit.tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "asset tag",
            },
        ),
        migrations.AddField(
            model_name="asset",
            name="tags",
            field=taggit.managers.TaggableManager(
                blank=True,
                help_text="Comma-separated; at most 50 tags.",
                through="aiassets.TaggedAsset",
                to="taggit.Tag",
                verbose_name="Tags",
            ),
        ),
        migrations.AddConstraint(
            model_name="taggedasset",
            constraint=models.UniqueConstraint(
                fields=("tag", "content_object"), name="taggedasset_unique"
            ),
        ),
        migrations.RunPython(add_tag_name_index, drop_tag_name_index, elidable=True),
    ]
