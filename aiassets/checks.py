"""System checks for misconfiguration that would otherwise fail at run time."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning, register

from . import formats


@register()
def derivative_settings(app_configs, **kwargs):
    errors = []
    widths = settings.DERIVATIVE_WIDTHS
    if not widths or any(not isinstance(w, int) or w < 16 or w > 8192 for w in widths):
        errors.append(
            Error("DERIVATIVE_WIDTHS must be integers from 16 to 8192.", id="aiassets.E001")
        )
    unknown = set(settings.DERIVATIVE_FORMATS) - set(formats.OUTPUT)
    if unknown:
        errors.append(
            Error(
                f"DERIVATIVE_FORMATS has unknown formats {sorted(unknown)}.",
                hint=f"Use {sorted(formats.OUTPUT)}.",
                id="aiassets.E002",
            )
        )
    if "jpeg" not in settings.DERIVATIVE_FORMATS:
        errors.append(
            Warning(
                "DERIVATIVE_FORMATS has no jpeg: old browsers get no fallback.", id="aiassets.W001"
            )
        )
    errors += _precompute_errors()
    if settings.DERIVATIVE_MAX_ATTEMPTS < 1:
        errors.append(Error("DERIVATIVE_MAX_ATTEMPTS must be at least 1.", id="aiassets.E003"))
    return errors


def _precompute_errors() -> list[Error]:
    from .renditions.plan import precompute_rules

    try:
        precompute_rules()
    except ValueError as exc:
        return [Error(f"DERIVATIVE_PRECOMPUTE: {exc}", id="aiassets.E005")]
    return []


@register(deploy=True)
def production_services(app_configs, **kwargs):
    errors = []
    if settings.JOBS_INLINE:
        # Under HTTPS=true (production) this is an error: requests would run every build.
        kind, code = (Error, "aiassets.E004") if settings.HTTPS else (Warning, "aiassets.W002")
        errors.append(
            kind(
                "REDIS_URL is not set: derivative and moderation jobs run inside web requests.",
                hint="Set REDIS_URL and run `manage.py rqworker` beside the web server.",
                id=code,
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        errors.append(
            Warning("DATABASE_URL is not set: SQLite is for one machine only.", id="aiassets.W003")
        )
    return errors


@register()
def crop_settings(app_configs, **kwargs):
    """DERIVATIVE_RATIOS and SOCIAL_CARD_RATIO must be ratios the crop code accepts."""
    from .imaging import crops

    errors = []
    for name, value in [("DERIVATIVE_RATIOS", r) for r in settings.DERIVATIVE_RATIOS] + [
        ("SOCIAL_CARD_RATIO", settings.SOCIAL_CARD_RATIO or "1/1")
    ]:
        try:
            crops.parse_ratio(str(value))
        except crops.RatioError as exc:
            errors.append(Error(f"{name}: {exc.message}", id="aiassets.E020"))
    return errors
