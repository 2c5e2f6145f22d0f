"""Find variants that are missing, failed, stuck in pending or whose file vanished; rebuild them."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from tqdm import tqdm

from aiassets import renditions, storage
from aiassets.models import Asset, Variant


class Command(BaseCommand):
    help = "Heal derivatives: create missing rows, re-queue failed, stale and file-less variants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=settings.DERIVATIVE_STALE_MINUTES,
            help="Pending rows untouched for this long count as stuck.",
        )
        parser.add_argument("--sync", action="store_true", help="Build here instead of queueing.")
        parser.add_argument("--dry-run", action="store_true", help="Report only.")
        parser.add_argument(
            "--skip-file-check", action="store_true", help="Do not ask storage whether files exist."
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, **opts):
        cutoff = timezone.now() - timedelta(minutes=opts["stale_minutes"])
        totals = dict.fromkeys(
            ("assets", "missing_rows", "missing_files", "failed", "stale", "deferred", "rebuilt"),
            0,
        )
        files = storage.variants()
        assets = Asset.objects.order_by("created_at")
        bar = tqdm(
            assets.iterator(chunk_size=200),
            total=assets.count(),
            unit="asset",
            disable=opts["no_progress"],
            file=self.stderr._out,
        )
        for asset in bar:
            totals["assets"] += 1
            existing = {(v.width, v.format, v.recipe) for v in asset.variants.all()}
            planned = {(s.width, s.format, s.recipe) for s in renditions.plan(asset)}
            missing_rows = len(planned - existing)
            if opts["dry_run"]:
                rows = [v for v in asset.variants.all() if (v.width, v.format, v.recipe) in planned]
            else:
                rows = renditions.ensure_rows(asset)
            heal: list[int] = []
            for v in rows:
                if v.status == Variant.Status.FAILED:
                    totals["failed"] += 1
                    heal.append(v.pk)
                elif v.status == Variant.Status.PENDING and v.updated_at < cutoff:
                    totals["stale"] += 1
                    heal.append(v.pk)
                elif v.status == Variant.Status.DEFERRED:
                    totals["deferred"] += 1
                    if opts["sync"]:  # building here does not load the queue
                        heal.append(v.pk)
                elif (
                    v.status == Variant.Status.READY
                    and not opts["skip_file_check"]
                    and not files.exists(v.key)
                ):
                    totals["missing_files"] += 1
                    heal.append(v.pk)
            totals["missing_rows"] += missing_rows
            if not (heal or missing_rows):
                continue
            totals["rebuilt"] += 1
            if opts["dry_run"]:
                continue
            Variant.objects.filter(pk__in=heal).update(
                status=Variant.Status.PENDING, attempts=0, error="", updated_at=timezone.now()
            )
            if opts["sync"]:
                renditions.build(asset.id)
            else:
                renditions.schedule(asset.id)
        if not opts["dry_run"] and not opts["sync"]:
            renditions.release_deferred()
        verb = "would rebuild" if opts["dry_run"] else ("rebuilt" if opts["sync"] else "queued")
        self.stdout.write(
            f"Checked {totals['assets']} asset(s): {totals['missing_rows']} missing row(s), "
            f"{totals['missing_files']} missing file(s), {totals['failed']} failed, "
            f"{totals['stale']} stuck pending, {totals['deferred']} deferred; "
            f"{verb} {totals['rebuilt']} asset(s)."
        )
