"""System checks for the metrics endpoint's access settings."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.checks import Error, Info, Warning, register

MIN_TOKEN_LENGTH = 32


@register()
def metrics_networks(app_configs, **kwargs) -> list:
    messages = []
    entries = [str(e).strip() for e in settings.METRICS_ALLOWED_IPS if str(e).strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            messages.append(
                Error(
                    f"METRICS_ALLOWED_IPS has {entry!r}, which is not an IP address or CIDR.",
                    hint="Use entries like 10.0.0.0/8 or 192.0.2.7; invalid ones match nothing.",
                    id="ops.E001",
                )
            )
    return messages


@register(deploy=True)
def metrics_access(app_configs, **kwargs) -> list:
    token = settings.METRICS_TOKEN or ""
    if not token and not settings.METRICS_ALLOWED_IPS:
        return [
            Info(
                "/metrics refuses every request: neither METRICS_TOKEN nor METRICS_ALLOWED_IPS "
                "is set.",
                id="ops.I001",
            )
        ]
    if token and len(token) < MIN_TOKEN_LENGTH:
        return [
            Warning(
                f"METRICS_TOKEN is shorter than {MIN_TOKEN_LENGTH} characters.",
                hint="python -c 'import secrets; print(secrets.token_urlsafe(32))'",
                id="ops.W001",
            )
        ]
    return []
