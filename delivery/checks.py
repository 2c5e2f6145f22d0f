"""System checks for CDN purge settings: CDN_BACKENDS, attempts and retry intervals."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .cdn.base import backend_class
from .conf import app_settings


def _backend_errors(alias: Any, conf: Any) -> list[CheckMessage]:
    where = f"CDN_BACKENDS[{alias!r}]"
    if not isinstance(conf, dict) or not conf.get("BACKEND"):
        return [Error(f"{where} needs a BACKEND dotted path.", id="delivery.E002")]
    try:
        cls = backend_class(conf["BACKEND"])
    except ImproperlyConfigured as exc:
        return [Error(f"{where}: {exc}", id="delivery.E003")]
    options = conf.get("OPTIONS") or {}
    if not isinstance(options, dict):
        return [Error(f"{where}['OPTIONS'] must be a dict.", id="delivery.E004")]
    return [
        Error(
            f"{where}: {problem}.",
            hint=f"{cls.__name__} takes {sorted(cls.required_options + cls.optional_options)}.",
            id="delivery.E005",
        )
        for problem in cls.check_options(options)
    ]


@register()
def cdn_settings(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    backends = getattr(settings, "CDN_BACKENDS", {})
    if not isinstance(backends, dict):
        return [Error("CDN_BACKENDS must be a dict of alias -> config.", id="delivery.E001")]
    for alias, conf in backends.items():
        errors += _backend_errors(alias, conf)
    attempts = app_settings.CDN_PURGE_MAX_ATTEMPTS
    if not isinstance(attempts, int) or attempts < 1:
        errors.append(Error("CDN_PURGE_MAX_ATTEMPTS must be at least 1.", id="delivery.E006"))
    intervals = app_settings.CDN_PURGE_RETRY_INTERVALS
    if not isinstance(intervals, list | tuple) or any(
        not isinstance(i, int) or i < 0 for i in intervals
    ):
        errors.append(
            Error("CDN_PURGE_RETRY_INTERVALS must be a list of seconds >= 0.", id="delivery.E007")
        )
    if backends and not app_settings.DELIVERY_PUBLIC_BASE_URL:
        errors.append(
            Warning(
                "CDN_BACKENDS is set but DELIVERY_PUBLIC_BASE_URL is empty: purges send bare "
                "paths, which Cloudflare and Fastly cannot use.",
                hint="Set DELIVERY_PUBLIC_BASE_URL to the CDN's base URL.",
                id="delivery.W001",
            )
        )
    return errors
