"""Delivery settings: the one home of their defaults (config/settings.py only maps the
environment onto them). Read them as ``conf.app_settings.NAME`` or, still, ``settings.NAME``
(the defaults are installed onto settings in ``ready()``; see aiassets.conf)."""

from __future__ import annotations

from typing import Any

from aiassets.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # The CDN in front of the origin view; empty means this server is the origin and the edge.
    "DELIVERY_PUBLIC_BASE_URL": "",
    "DELIVERY_SIGNED_URL_TTL": 600,
    # How private (unapproved, unpublished) variant URLs are signed: origin | s3 | cloudfront.
    "DELIVERY_SIGNED_URL_MODE": "origin",
    "CLOUDFRONT_KEY_ID": "",
    "CLOUDFRONT_PRIVATE_KEY": "",
    # On-demand sizes through signed transform URLs.
    "ON_DEMAND_MIN_WIDTH": 16,
    "ON_DEMAND_MAX_WIDTH": 4096,
    "ON_DEMAND_MAX_CONCURRENT": 2,
    "ON_DEMAND_RETRY_AFTER": 2,
    "ON_DEMAND_BUDGET_PER_MINUTE": 120,  # 0: no budget
    # CDN purges (the backends themselves: CDN_BACKENDS, built from CDN_BACKEND in settings).
    "CDN_PURGE_MAX_ATTEMPTS": 5,
    "CDN_PURGE_RETRY_INTERVALS": [2, 10, 60, 300],
    "CDN_PURGE_TIMEOUT": 10.0,
}

app_settings = AppSettings(DEFAULTS)
