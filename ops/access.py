"""Who may scrape /metrics: a bearer token (METRICS_TOKEN) and/or client networks
(METRICS_ALLOWED_IPS, CIDRs, matched against REMOTE_ADDR).

Each configured check must pass; with neither configured everyone is refused. Refusals say
nothing about why beyond the status: 403 for a refused address (or no configuration), 401 for
a missing or wrong token.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    nets = []
    for entry in entries:
        try:
            nets.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue  # reported by the ops.E001 system check; never widens access
    return tuple(nets)


def allowed_networks(entries: Iterable[str] | None = None) -> tuple[IPNetwork, ...]:
    """The valid networks of METRICS_ALLOWED_IPS (or of ``entries``)."""
    raw = settings.METRICS_ALLOWED_IPS if entries is None else entries
    return _networks(tuple(str(e) for e in raw if str(e).strip()))


def address_allowed(remote_addr: str, networks: Iterable[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(remote_addr.strip())
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in networks)


def token_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return False
    return hmac.compare_digest(value.strip().encode(), token.encode())


def _refuse(status: int) -> HttpResponse:
    text = "Unauthorized" if status == 401 else "Forbidden"
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def refusal(request: HttpRequest) -> HttpResponse | None:
    """The response that refuses this scrape, or None when it may go ahead."""
    token = settings.METRICS_TOKEN or ""
    ip_list = [str(e) for e in settings.METRICS_ALLOWED_IPS if str(e).strip()]
    if not token and not ip_list:
        return _refuse(403)
    if ip_list and not address_allowed(
        request.META.get("REMOTE_ADDR", ""), allowed_networks(ip_list)
    ):
        return _refuse(403)
    if token and not token_matches(request, token):
        return _refuse(401)
    return None
