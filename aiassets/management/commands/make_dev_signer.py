"""Write UNTRUSTED DEVELOPMENT C2PA credentials: a root CA → intermediate → ES256 signer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aiassets.c2pa import devchain, make_dev_chain


class Command(BaseCommand):
    help = (
        "Write a test root CA, intermediate CA and ES256 signer for C2PA signing, all named "
        "UNTRUSTED DEVELOPMENT (default directory: C2PA_DEV_DIR, var/c2pa-dev). Without a "
        "configured key, signing already uses the shared development chain derived from "
        "SECRET_KEY (written nowhere); --shared writes that chain (its root.pem makes our "
        "signatures read as trusted through C2PA_TRUST_ANCHORS). Without --shared, a fresh "
        "random chain to configure as C2PA_SIGNER_KEY/C2PA_SIGNER_CHAIN. Never in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", type=Path, default=None, help="Directory to write (default: C2PA_DEV_DIR)."
        )
        parser.add_argument(
            "--shared",
            action="store_true",
            help="Write the shared development chain derived from SECRET_KEY.",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-missing", action="store_true", help="Keep existing credentials, if any."
        )
        group.add_argument("--force", action="store_true", help="Replace existing credentials.")

    def handle(self, *args: Any, out: Path | None, shared: bool, **options):
        directory = out or Path(settings.C2PA_DEV_DIR)
        pems = devchain.shared_chain() if shared else None
        try:
            chain = make_dev_chain(
                directory, if_missing=options["if_missing"], force=options["force"], pems=pems
            )
        except FileExistsError as exc:
            raise CommandError(str(exc))
        except OSError as exc:
            raise CommandError(f"Cannot write {directory}: {exc}")
        self.stdout.write(f"UNTRUSTED DEVELOPMENT C2PA credentials in {chain.directory}:")
        self.stdout.write(f"  C2PA_SIGNER_KEY={chain.key}")
        self.stdout.write(f"  C2PA_SIGNER_CHAIN={chain.chain}")
        self.stdout.write(
            f"  C2PA_TRUST_ANCHORS={chain.root}   (to read our signatures as trusted)"
        )
