"""Write the development SECRET_KEY to VAR_DIR/secret_key (once; settings never write it)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from config.envmap import write_development_secret_key


class Command(BaseCommand):
    help = "Create VAR_DIR/secret_key for development (production sets SECRET_KEY instead)."

    def handle(self, *args: Any, **options: Any) -> None:
        path = write_development_secret_key(settings.VAR_DIR)
        if options["verbosity"]:
            self.stdout.write(f"Development secret key: {path}")
