"""Re-queue classification for assets still pending (e.g. Redis was down at ingest)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from aiassets.models import Asset, ModerationStatus
from moderation import jobs


class Command(BaseCommand):
    help = "Queue the moderation job for every asset pending longer than --minutes."

    def add_arguments(self, parser):
        parser.add_argument("--minutes", type=int, default=10)
        parser.add_argument("--sync", action="store_true", help="Classify here instead.")

    def handle(self, minutes: int, sync: bool, **options):
        cutoff = timezone.now() - timedelta(minutes=minutes)
        ids = list(
            Asset.objects.filter(
                moderation_status=ModerationStatus.PENDING, created_at__lte=cutoff
            ).values_list("pk", flat=True)
        )
        for asset_id in ids:
            if sync:
                jobs.classify_asset(str(asset_id))
            else:
                jobs.schedule(asset_id)
        self.stdout.write(f"{'Classified' if sync else 'Queued'} {len(ids)} pending asset(s).")
