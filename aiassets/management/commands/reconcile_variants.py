"""Find variants that are missing, failed, stuck in pending or whose file vanished; rebuild them.

Files are checked in bulk: the variants storage is listed by prefix (S3 ListObjectsV2 pages,
or one directory walk) and merged with the ready rows sorted by key, so there is no per-file
existence call. Assets are read in chunks: per chunk one query for their rows and one for
their provenance (renditions.plan_many), so the number of queries grows with N / CHUNK only.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from aiassets import jobhealth, listing, renditions, storage
from aiassets.models import Asset, Variant

CHUNK = 500
DURATION = re.compile(r"^(\d+)([mhd])$")
UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_since(value: str) -> datetime:
    """``--since``: an ISO date or datetime, or a duration back from now (90m, 6h, 2d)."""
    match = DURATION.match(value.strip())
    if match:
        return timezone.now() - timedelta(**{UNITS[match[2]]: int(match[1])})
    moment = parse_datetime(value.strip()) or parse_datetime(value.strip() + "T00:00:00")
    if moment is None:
        raise CommandError(f"--since {value!r}: give a date, a datetime or e.g. 6h, 2d")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


Row = namedtuple("Row", ["pk", "asset_id", "width", "format", "recipe", "status", "updated_at"])


def rows_by_asset(asset_ids: list) -> dict[object, list[Row]]:
    """The variant rows of these assets as light tuples (no model instances), by asset id."""
    found: dict[object, list[Row]] = {}
    values = Variant.objects.filter(asset_id__in=asset_ids).order_by().values_list(*Row._fields)
    for values_row in values:
        row = Row(*values_row)
        found.setdefault(row.asset_id, []).append(row)
    return found


class Command(BaseCommand):
    help = "Heal derivatives: create missing rows, re-queue failed, stale and file-less variants."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=settings.DERIVATIVE_STALE_MINUTES,
            help="Pending rows untouched for this long count as stuck (default: one job timeout).",
        )
        parser.add_argument("--sync", action="store_true", help="Build here instead of queueing.")
        parser.add_argument("--dry-run", action="store_true", help="Report only.")
        parser.add_argument(
            "--skip-file-check", action="store_true", help="Do not list storage for files."
        )
        parser.add_argument(
            "--since",
            type=parse_since,
            help="Only assets created, and files built, since then (ISO date/datetime, or 6h, 2d).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, **opts):
        if not settings.JOBS_INLINE and not opts["dry_run"]:
            # A job whose worker died still looks started and would swallow the re-enqueue.
            jobhealth.recover_abandoned()
        self.opts = opts
        self.cutoff = timezone.now() - timedelta(minutes=opts["stale_minutes"])
        self.totals = dict.fromkeys(
            ("assets", "missing_rows", "missing_files", "failed", "stale", "deferred", "rebuilt"),
            0,
        )
        heal: dict[object, list[int]] = {}
        if not opts["skip_file_check"]:
            for asset_id, pk in self.missing_files():
                pks = heal.setdefault(asset_id, [])
                if not opts["dry_run"]:  # a dry run only counts: no list of every row
                    pks.append(pk)
        for asset, rows, missing_rows in self.checked_assets():
            lost = heal.pop(asset.pk, None)  # files missing (a dry run keeps no pks)
            wanted = (lost or []) + self.unhealthy(rows)
            self.totals["missing_rows"] += missing_rows
            if wanted or missing_rows or lost is not None:
                self.rebuild(asset, wanted)
        for asset in Asset.objects.filter(pk__in=list(heal)):  # outside --since's asset window
            self.rebuild(asset, heal[asset.pk])
        if not opts["dry_run"] and not opts["sync"]:
            renditions.release_deferred()
        self.report()

    # --- files: one listing, merged with the ready rows sorted by key ------------------------
    def ready_rows(self) -> QuerySet:
        rows = Variant.objects.filter(status=Variant.Status.READY)
        if self.opts["since"]:
            rows = rows.filter(updated_at__gte=self.opts["since"])
        return rows

    def sorted_ready(self, rows: QuerySet) -> Iterator[tuple[str, tuple]]:
        order = Collate("key", "C") if connection.vendor == "postgresql" else "key"
        values = rows.order_by(order).values_list("key", "asset_id", "pk")
        for key, asset_id, pk in values.iterator(chunk_size=5000):
            yield key, (asset_id, pk)

    def listed(self, rows: QuerySet) -> Iterator[str]:
        """The storage keys to compare: every key under the variants prefix, or with --since
        the folders of the rows checked (one listing per folder, still no per-file call)."""
        files = storage.variants()
        if not self.opts["since"]:
            return listing.keys(files, storage.VARIANTS_PREFIX)
        keys = rows.values_list("key", flat=True)
        folders = sorted({key.rsplit("/", 1)[0] + "/" for key in keys})
        return (key for folder in folders for key in listing.keys(files, folder))

    def missing_files(self) -> Iterator[tuple[object, int]]:
        rows = self.ready_rows()
        expected = tqdm(
            self.sorted_ready(rows),
            total=rows.count(),
            unit="file",
            desc="files",
            disable=self.opts["no_progress"],
            file=self.stderr._out,
        )
        for _key, (asset_id, pk) in listing.missing(expected, self.listed(rows)):
            self.totals["missing_files"] += 1
            yield asset_id, pk

    # --- rows: planned vs existing, per chunk of assets ---------------------------------------
    def asset_chunks(self) -> Iterator[list[Asset]]:
        """Every asset (with --since, those created since), CHUNK at a time, with a bar."""
        assets = Asset.objects.order_by("created_at")
        if self.opts["since"]:
            assets = assets.filter(created_at__gte=self.opts["since"])
        bar = tqdm(
            total=assets.count(),
            unit="asset",
            desc="assets",
            disable=self.opts["no_progress"],
            file=self.stderr._out,
        )
        chunk: list[Asset] = []
        for asset in assets.iterator(chunk_size=CHUNK):
            chunk.append(asset)
            if len(chunk) == CHUNK:
                yield chunk
                bar.update(len(chunk))
                chunk = []
        if chunk:
            yield chunk
            bar.update(len(chunk))
        bar.close()

    def checked_assets(self) -> Iterator[tuple[Asset, list, int]]:
        """Each asset, its planned rows (tuples, or Variants once created) and how many
        planned rows it lacked. Per chunk: one plan query (plan_many), one rows query."""
        for chunk in self.asset_chunks():
            plans = renditions.plan_many(chunk)
            rows = rows_by_asset([asset.pk for asset in chunk])
            for asset in chunk:
                self.totals["assets"] += 1
                planned = plans[asset.pk].wanted
                existing = rows.get(asset.pk, [])
                missing_rows = len(planned - {(r.width, r.format, r.recipe) for r in existing})
                if missing_rows and not self.opts["dry_run"]:
                    yield asset, renditions.ensure_rows(asset), missing_rows
                else:
                    kept = [r for r in existing if (r.width, r.format, r.recipe) in planned]
                    yield asset, kept, missing_rows

    def unhealthy(self, rows: list) -> list[int]:
        heal: list[int] = []
        for v in rows:
            if v.status == Variant.Status.FAILED:
                self.totals["failed"] += 1
                heal.append(v.pk)
            elif v.status == Variant.Status.PENDING and v.updated_at < self.cutoff:
                self.totals["stale"] += 1
                heal.append(v.pk)
            elif v.status == Variant.Status.DEFERRED:
                self.totals["deferred"] += 1
                if self.opts["sync"]:  # building here does not load the queue
                    heal.append(v.pk)
        return heal

    def rebuild(self, asset: Asset, heal: list[int]) -> None:
        self.totals["rebuilt"] += 1
        if self.opts["dry_run"]:
            return
        Variant.objects.filter(pk__in=heal).update(
            status=Variant.Status.PENDING, attempts=0, error="", updated_at=timezone.now()
        )
        if self.opts["sync"]:
            renditions.build(asset.id)
        else:
            renditions.schedule(asset.id)

    def report(self) -> None:
        opts, totals = self.opts, self.totals
        verb = "would rebuild" if opts["dry_run"] else ("rebuilt" if opts["sync"] else "queued")
        self.stdout.write(
            f"Checked {totals['assets']} asset(s): {totals['missing_rows']} missing row(s), "
            f"{totals['missing_files']} missing file(s), {totals['failed']} failed, "
            f"{totals['stale']} stuck pending, {totals['deferred']} deferred; "
            f"{verb} {totals['rebuilt']} asset(s)."
        )
