"""Where webhooks may go: public http(s) addresses only, unless WEBHOOKS_ALLOW_PRIVATE_HOSTS
(on in development and tests) lets them reach loopback and private networks. Checked when an
endpoint is saved and again before every send (DNS may change in between)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from .conf import app_settings


class UnsafeUrl(ValueError):
    pass


def check(url: str) -> None:
    """Raise UnsafeUrl with a readable reason when ``url`` may not receive webhooks."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeUrl("Webhook URLs must be http:// or https:// addresses with a host.")
    if app_settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise UnsafeUrl(f"The host {parts.hostname!r} does not resolve.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise UnsafeUrl(f"{parts.hostname!r} resolves to a non-public address ({address}).")
