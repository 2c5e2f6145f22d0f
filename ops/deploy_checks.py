"""Checks that a production configuration is complete: every problem is a message with an id,
never a traceback. Settings record what they could not read in ``CONFIG_ERRORS``
(config/envmap.py); ``check --deploy`` adds what production needs beyond development."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "testserver"}
SIGNED_URL_MODES = ("origin", "s3", "cloudfront")


@register()
def environment(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """What config/settings.py could not read from the environment."""
    return [
        Error(message, hint="See the configuration table in README.md.", id="ops.E010")
        for message in getattr(settings, "CONFIG_ERRORS", [])
    ]


def _secret_key() -> str:
    try:
        return settings.SECRET_KEY
    except ImproperlyConfigured:
        return ""


def _development_key() -> str:
    try:
        return (settings.VAR_DIR / "secret_key").read_text().strip()
    except (OSError, AttributeError, TypeError):
        return os.environ.get("AIASSETS_DEV_SECRET_KEY", "")


def secret_key_errors() -> list[CheckMessage]:
    key = _secret_key()
    if not key:
        return [
            Error(
                "SECRET_KEY is not set: with HTTPS=true the development key is not used, and "
                "nothing can be signed (sessions, CSRF, signed URLs).",
                hint="Set SECRET_KEY to a long random value (and keep old ones in "
                "SECRET_KEY_FALLBACKS while URLs signed with them live).",
                id="ops.E011",
            )
        ]
    if key in (_development_key(), os.environ.get("AIASSETS_DEV_SECRET_KEY")):
        return [
            Error(
                "SECRET_KEY is the development key (VAR_DIR/secret_key or a per-process one).",
                hint="Set SECRET_KEY in the environment.",
                id="ops.E012",
            )
        ]
    return []


def signing_mode_errors() -> list[CheckMessage]:
    mode = settings.DELIVERY_SIGNED_URL_MODE
    if mode not in SIGNED_URL_MODES:
        return [
            Error(
                f"DELIVERY_SIGNED_URL_MODE must be one of {', '.join(SIGNED_URL_MODES)}, not "
                f"{mode!r}.",
                id="ops.E013",
            )
        ]
    keys = (settings.CLOUDFRONT_KEY_ID, settings.CLOUDFRONT_PRIVATE_KEY)
    if mode == "cloudfront" and not all(keys):
        return [
            Error(
                "DELIVERY_SIGNED_URL_MODE=cloudfront needs CLOUDFRONT_KEY_ID and "
                "CLOUDFRONT_PRIVATE_KEY.",
                id="ops.E014",
            )
        ]
    return []


@register(deploy=True)
def production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    messages = secret_key_errors() + signing_mode_errors()
    if settings.HTTPS and set(settings.ALLOWED_HOSTS) <= LOOPBACK:
        messages.append(
            Warning(
                "ALLOWED_HOSTS holds only loopback names: no public host name is served.",
                hint="Set ALLOWED_HOSTS to your site's host names.",
                id="ops.W010",
            )
        )
    return messages
