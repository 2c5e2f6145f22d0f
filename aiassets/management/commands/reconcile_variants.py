"""Find variants that are missing, failed, stuck in pending or whose file vanished; rebuild them.

Assets are read in chunks (in the order the file check below needs): per chunk one query for
their rows and one for their provenance (renditions.plan_many), so the number of queries
grows with N / CHUNK only.

Files are checked in bulk, with no per-file existence call, against the ready rows already
read for the plan (no second query, no database sort). A key starts ``variants/<asset id>/``:

- S3: the variants prefix is listed once (ListObjectsV2, 1,000 keys a request) and merged
  chunk by chunk: assets go in id order, which is the listing's byte order.
- Local storage: each asset's folder is read (a directory walk per asset: no per-file call),
  so assets go in creation order, the order their rows were written in: the rows of a chunk
  sit together on disk instead of on a random page each (5x faster cold at 1M assets).

With ``--since``, the ready rows built since then are listed by their folders first (older
assets' rebuilt files included).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Q
from django.db.models.functions import Collate
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from tqdm import tqdm

from aiassets import jobhealth, listing, renditions, storage
from aiassets.models import Asset, Variant
from aiassets.renditions import inventory

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
        self.files = storage.variants()
        self.by_folder = listing.folders_are_cheap(self.files)
        self.diff = None  # S3: the whole listing, merged chunk by chunk (no --since)
        heal: dict[object, list[int]] = {}  # --since: missing files found before the walk
        if not opts["skip_file_check"]:
            if opts["since"]:
                heal = self.missing_since()
            elif not self.by_folder:
                listed = listing.keys(self.files, storage.VARIANTS_PREFIX)
                self.diff = listing.SortedDiff(listed)
        for asset, missing_rows, trouble, lost in self.checked_assets():
            wanted = heal.pop(asset.pk, []) + self.unhealthy(trouble)
            self.totals["missing_rows"] += missing_rows
            if wanted or lost or missing_rows:
                self.rebuild(asset, wanted, lost)
        for asset in Asset.objects.filter(pk__in=list(heal)):  # outside --since's asset window
            self.rebuild(asset, heal[asset.pk])  # built since, of an asset created before
        if not opts["dry_run"] and not opts["sync"]:
            renditions.release_deferred()
        self.report()

    # --- files ---------------------------------------------------------------------------------
    def missing_since(self) -> dict[object, list[int]]:
        """--since: the ready rows built since then, by key, merged with a listing of their
        folders (one listing per folder, still no per-file call): {asset id: [row pk]}."""
        rows = Variant.objects.filter(status=Variant.Status.READY)
        rows = rows.filter(updated_at__gte=self.opts["since"])
        order = Collate("key", "C") if connection.vendor == "postgresql" else "key"
        expected = (
            (key, (asset_id, pk))
            for key, asset_id, pk in rows.order_by(order).values_list("key", "asset_id", "pk")
        )
        keys = rows.values_list("key", flat=True)
        folders = sorted({key.rsplit("/", 1)[0] + "/" for key in keys})
        listed = (key for folder in folders for key in listing.keys(self.files, folder))
        heal: dict[object, list[int]] = {}
        for _key, (asset_id, pk) in listing.missing(expected, listed):
            self.totals["missing_files"] += 1
            heal.setdefault(asset_id, []).append(pk)
        return heal

    def missing_files(self, stock: dict[object, inventory.Stock]) -> dict[object, list[str]]:
        """The keys of this chunk's ready rows that the listing lacks, by asset id."""
        if self.opts["skip_file_check"] or self.opts["since"]:
            return {}
        lost: dict[object, list[str]] = {}
        if self.by_folder:  # each asset's own folder
            for asset_id, found in stock.items():
                if found.ready_keys:
                    listed = set(self.folder(asset_id))
                    gone = [key for key in found.ready_keys if key not in listed]
                    if gone:
                        lost[asset_id] = gone
        else:  # the one listing, taken up where the last chunk left it
            expected = sorted((key, aid) for aid, got in stock.items() for key in got.ready_keys)
            for key, asset_id in self.diff.missing(expected):
                lost.setdefault(asset_id, []).append(key)
        self.totals["missing_files"] += sum(map(len, lost.values()))
        return lost

    def folder(self, asset_id: object) -> Iterator[str]:
        return listing.keys(self.files, f"{storage.VARIANTS_PREFIX}{asset_id}/")

    # --- rows: planned vs existing, per chunk of assets ---------------------------------------
    def asset_chunks(self) -> Iterator[list[Asset]]:
        """Every asset (with --since, those created since), CHUNK at a time, with a bar: in id
        order when one listing is merged (a variant key starts with its asset's id), else in
        creation order (the order rows were written in)."""
        assets = Asset.objects.order_by("pk" if self.diff is not None else "created_at")
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

    def checked_assets(self) -> Iterator[tuple[Asset, int, list[inventory.Trouble], list[str]]]:
        """Each asset, how many planned rows it lacked, its planned rows in trouble and the
        keys of its ready rows whose file is missing. Per chunk: one plan query (plan_many)
        and one grouped rows query (inventory.stock_of)."""
        nothing = inventory.Stock()
        for chunk in self.asset_chunks():
            plans = renditions.plan_many(chunk)
            stock = inventory.stock_of([asset.pk for asset in chunk], self.cutoff)
            lost = self.missing_files(stock)
            for asset in chunk:
                self.totals["assets"] += 1
                planned = plans[asset.pk].signatures
                found = stock.get(asset.pk, nothing)
                missing_rows = len(planned - found.signatures)
                if missing_rows and not self.opts["dry_run"]:
                    rows = renditions.ensure_rows(asset)
                    found = inventory.stock_from_rows(rows, self.cutoff)
                trouble = [t for t in found.trouble if t.signature in planned]
                yield asset, missing_rows, trouble, lost.get(asset.pk, [])

    def unhealthy(self, rows: list[inventory.Trouble]) -> list[int]:
        heal: list[int] = []
        for v in rows:
            if v.status == Variant.Status.FAILED:
                self.totals["failed"] += 1
                heal.append(v.pk)
            elif v.stale:
                self.totals["stale"] += 1
                heal.append(v.pk)
            elif v.status == Variant.Status.DEFERRED:
                self.totals["deferred"] += 1
                if self.opts["sync"]:  # building here does not load the queue
                    heal.append(v.pk)
        return heal

    def rebuild(self, asset: Asset, heal: list[int], lost: Sequence[str] = ()) -> None:
        """Re-queue the rows ``heal`` (pks) and ``lost`` (keys of files gone) of ``asset``."""
        self.totals["rebuilt"] += 1
        if self.opts["dry_run"]:
            return
        rows = Variant.objects.filter(Q(pk__in=heal) | Q(asset=asset, key__in=lost))
        rows.update(status=Variant.Status.PENDING, attempts=0, error="", updated_at=timezone.now())
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
