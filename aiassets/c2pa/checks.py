"""System checks for the signing configuration. Registered by ``AiassetsConfig.ready()``
(:func:`register`), not when this module is imported."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from .keys import development_in_force, production_https


def credential_settings(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if bool(settings.C2PA_SIGNER_KEY) != bool(settings.C2PA_SIGNER_CHAIN):
        errors.append(
            checks.Error(
                "Set both C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN, or neither.", id="aiassets.E101"
            )
        )
    if development_in_force() and production_https():
        errors.append(
            checks.Error(
                "C2PA development signing credentials are refused on production (HTTPS) "
                "settings: variants would be signed with an UNTRUSTED DEVELOPMENT key.",
                hint="Set C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN to your signing key and chain "
                "(and C2PA_DEV_CREDENTIALS=false), or C2PA_SIGNING=false.",
                id="aiassets.E103",
            )
        )
    return errors


def production_credentials(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if settings.C2PA_SIGNING and not settings.C2PA_SIGNER_KEY:
        errors.append(
            checks.Error(
                "C2PA variants are signed with UNTRUSTED DEVELOPMENT credentials"
                if settings.C2PA_DEV_CREDENTIALS
                else "C2PA signing is on but no key is configured: every variant will fail.",
                hint="Set C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN to your signing key and chain.",
                id="aiassets.E102",
            )
        )
    if not settings.C2PA_SIGNING or not settings.C2PA_REQUIRED:
        errors.append(
            checks.Warning(
                "Variants may ship without Content Credentials (C2PA_SIGNING or C2PA_REQUIRED "
                "is off).",
                id="aiassets.W101",
            )
        )
    return errors


def register() -> None:
    """Register the checks (called once, from AiassetsConfig.ready())."""
    checks.register(credential_settings)
    checks.register(production_credentials, deploy=True)
