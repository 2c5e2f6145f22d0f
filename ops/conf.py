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
    # Self-healing (ops.healing): runs every JOBS_HEAL_INTERVAL seconds, looks at most
    # JOBS_HEAL_BATCH rows per kind, and sweeps orphan files unless JOBS_ORPHAN_SWEEP is off.
    "JOBS_HEAL_INTERVAL": 60,
    "JOBS_HEAL_BATCH": 1000,
    "JOBS_ORPHAN_SWEEP": True,
}

app_settings = AppSettings(DEFAULTS)
