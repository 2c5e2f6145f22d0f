"""Stamp ``Asset.queued_by`` on assets already in a queue: the actor kind of the decision that
moved each into its state (its latest status change), as Decision.save now does.

One UPDATE over the queued rows only (in review, rejected, taken down); approved and pending
rows are not read by any queue. Reversing leaves the column to aiassets' own migration."""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

QUEUED = ("in_review", "rejected", "taken_down")


def backfill(apps, schema_editor):
    Asset = apps.get_model("aiassets", "Asset")
    Decision = apps.get_model("moderation", "Decision")
    changes = Decision.objects.filter(asset=OuterRef("pk")).exclude(to_status=F("from_status"))
    latest = Subquery(changes.order_by("-created_at", "-id").values("actor_kind")[:1])
    Asset.objects.filter(moderation_status__in=QUEUED).update(
        queued_by=Coalesce(latest, Value(""))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("aiassets", "0021_asset_queued_by"),
        ("moderation", "0003_decision_asset_index_covered"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
