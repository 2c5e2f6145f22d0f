from django.core.management.base import BaseCommand, CommandError

from moderation.erasure import ErasureError, erase


class Command(BaseCommand):
    help = (
        "Erase an asset: take it down, delete its original and every variant from storage, purge "
        "the CDN, and keep a tombstone (id, hashes, decisions, reason). Re-uploads of the same "
        "bytes are refused afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("asset_id")
        parser.add_argument("--reason", required=True, help="Why (kept in the tombstone).")

    def handle(self, asset_id: str, reason: str, **options):
        try:
            report = erase(asset_id, reason)
        except ErasureError as exc:
            raise CommandError(str(exc))
        for key in report.deleted:
            self.stdout.write(f"deleted {key}")
        for key, error in report.errors.items():
            self.stderr.write(f"NOT deleted {key}: {error}")
        if not report.ok:
            raise CommandError(
                f"{len(report.errors)} file(s) could not be deleted; run the command again.",
                returncode=1,
            )
        self.stdout.write(f"Erased {asset_id}: {len(report.deleted)} file(s) deleted.")
