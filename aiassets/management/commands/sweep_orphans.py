"""manage.py sweep_orphans [--dry-run] [--grace-seconds N] [--only originals|variants]"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from aiassets import orphans


class Command(BaseCommand):
    help = (
        "Remove originals and variant files that no row names and that are older than the "
        "grace period (ORPHAN_GRACE_SECONDS), found by listing storage."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List orphans, delete none.")
        parser.add_argument("--grace-seconds", type=int, default=None)
        parser.add_argument("--only", choices=sorted(orphans.KINDS), default=None)

    def handle(self, *args, dry_run: bool, grace_seconds: int | None, only: str | None, **kw):
        grace = None if grace_seconds is None else timedelta(seconds=max(grace_seconds, 0))
        kinds = [only] if only else list(orphans.KINDS)
        report = orphans.sweep(grace=grace, dry_run=dry_run, kinds=kinds)
        for key in report.orphans:
            self.stdout.write(("would remove " if dry_run else "removed ") + key)
        self.stdout.write(report.summary())
        if report.errors:
            raise SystemExit(1)
