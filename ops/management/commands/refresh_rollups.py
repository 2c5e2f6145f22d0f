"""Refresh the metrics rollups (and stamp queued_at on assets queued before it existed).

The healing job calls the same functions periodically; this command is for a first run after
deploying, or for cron where no healing worker runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from moderation.queues import backfill_queued_at
from ops import rollups


class Command(BaseCommand):
    help = "Refresh ops rollups (variant and decision counts) and backfill review-queue stamps."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=1000, help="queued_at backfill batch")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Count every variant row again instead of folding the changes since last time.",
        )

    def handle(self, **opts):
        stamped = 0
        while n := backfill_queued_at(opts["batch"]):
            stamped += n
        snap = rollups.refresh(full=opts["full"])
        self.stdout.write(
            f"Rollups refreshed: {sum(snap.variants.values())} variant(s), "
            f"{sum((snap.assets or {}).values())} asset(s), "
            f"{sum(snap.decisions.values())} decision(s); {stamped} queued asset(s) stamped."
        )
