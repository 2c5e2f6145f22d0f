"""Purge an asset from every configured CDN now, synchronously, and print what happened."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aiassets.models import Asset
from delivery import purges


class Command(BaseCommand):
    help = (
        "Purge an asset's variant URLs and surrogate key from the configured CDN backends. "
        "By default every delivery version the asset has had; --delivery-version picks one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("asset_id", help="the asset's id (UUID)")
        parser.add_argument("--delivery-version", type=int, help="purge only this version")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            asset = Asset.objects.filter(pk=uuid.UUID(options["asset_id"])).first()
        except ValueError:
            asset = None
        if asset is None:
            raise CommandError(f"no asset {options['asset_id']!r}")
        version = options["delivery_version"]
        versions = [version] if version else list(range(1, asset.delivery_version + 1))
        failed = False
        for v in versions:
            report = purges.purge(asset.id, v, new_round=True, max_attempts=1)
            for text in report.results:
                self.stdout.write(f"v{v} purged: {text}")
            for backend, error in {**report.pending, **report.failed}.items():
                self.stderr.write(f"v{v} FAILED via {backend!r}: {error}")
            failed |= not report.ok
        if failed:
            raise CommandError("some purges failed (recorded as PurgeRequest rows)")
        self.stdout.write(self.style.SUCCESS(f"purged {asset.id} ({len(versions)} version(s))"))
