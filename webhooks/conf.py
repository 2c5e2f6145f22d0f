"""Webhook settings: the one home of their defaults (config/settings.py only maps the
environment onto them). Read them as ``conf.app_settings.NAME`` or, still, ``settings.NAME``
(the defaults are installed onto settings in ``ready()``; see aiassets.conf)."""

from __future__ import annotations

from typing import Any

from aiassets.conf import AppSettings

DEFAULTS: dict[str, Any] = {
    # Endpoints may only be public addresses unless this lets them reach loopback and private
    # networks. Off here (production's value); config/settings.py turns it on while HTTPS is off.
    "WEBHOOKS_ALLOW_PRIVATE_HOSTS": False,
    # A failed send is retried after each of these many seconds, then marked failed (the admin
    # can redeliver).
    "WEBHOOKS_RETRY_INTERVALS": [10, 30, 120, 600, 1800, 3600, 7200],
    "WEBHOOKS_TIMEOUT": 10,  # seconds per send
}

app_settings = AppSettings(DEFAULTS)
