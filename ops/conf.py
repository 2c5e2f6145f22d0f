"""Operations settings: the one home of their defaults (config/settings.py only maps the
environment onto them; see aiassets.conf)."""

from __future__ import annotations

from typing import Any

from aiassets.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # GET /metrics needs this bearer token and/or a client address in METRICS_ALLOWED_IPS;
    # with neither set everyone gets 403.
    "METRICS_TOKEN": "",
    "METRICS_ALLOWED_IPS": [],
    # The admin dashboard (/admin/ops/dashboard/) reads at most this many rows per source.
    "OPS_DASHBOARD_MAX_ROWS": 50_000,
}

app_settings = AppSettings(DEFAULTS)
