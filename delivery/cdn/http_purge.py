"""HTTP purges for Varnish (deploy/varnish/aiassets.vcl) or any cache that understands PURGE.

For surrogate keys, first: one ``PURGE /`` per batch carrying ``xkey-purge: key1 key2 …``, which
the VCL hands to ``xkey.purge()``. Then for each URL: ``PURGE <path>`` sent to each cache in
``purge_url`` with the ``Host`` header the cache stored the object under (the public URL's host;
Varnish's ``return (purge)`` only drops the object hashed under that Host).

OPTIONS:
    purge_url          the cache's address, or a list of them (one per Varnish node)
    host               Host header for paths given without a host (default: the URL's own host,
                       else DELIVERY_PUBLIC_BASE_URL's, else the cache's)
    key_header         header carrying surrogate keys (default ``xkey-purge``)
    keys_per_request   keys per surrogate-key request (default 50)
    timeout            seconds per request (default CDN_PURGE_TIMEOUT)

200 and 204 mean purged; 404 means "was not cached" (nginx, Squid). Anything else, or an
unreachable cache, raises PurgeError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .base import PurgeBackend, PurgeError, PurgeResult, chunks

OK_STATUSES = {200, 204, 404}


class HttpPurgeBackend(PurgeBackend):
    required_options = ("purge_url",)
    optional_options = ("host", "key_header", "keys_per_request", "timeout")

    def __init__(self, alias: str, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(alias, options)
        targets = self.options["purge_url"]
        self.caches = [targets] if isinstance(targets, str) else list(targets)
        self.key_header = self.options.get("key_header") or "xkey-purge"
        self.keys_per_request = int(self.options.get("keys_per_request") or 50)

    @classmethod
    def check_options(cls, options: Mapping[str, Any]) -> list[str]:
        problems = super().check_options(options)
        targets = options.get("purge_url") or []
        for target in [targets] if isinstance(targets, str) else targets:
            if urlsplit(str(target)).scheme not in ("http", "https"):
                problems.append(f"purge_url {target!r} is not an http(s) URL")
        return problems

    def _host_for(self, url: str, cache: str) -> str:
        return (
            self.options.get("host")
            or urlsplit(url).netloc
            or urlsplit(settings.DELIVERY_PUBLIC_BASE_URL).netloc
            or urlsplit(cache).netloc
        )

    def purge(self, urls: list[str], keys: list[str]) -> PurgeResult:
        result = PurgeResult(self.alias, urls=len(urls), keys=len(keys))
        errors: list[str] = []
        with requests.Session() as session:
            for cache in self.caches:
                base = cache.rstrip("/")
                try:
                    # Keys first: one request drops every width and format; the URL purges
                    # then catch anything cached without the key (and caches without xkey).
                    for batch in chunks(keys, self.keys_per_request):
                        headers = {
                            "Host": self._host_for("", cache),
                            self.key_header: " ".join(batch),
                        }
                        answer = self._send(session, base + "/", headers, f"keys {batch}", errors)
                        if answer:
                            result.details.append(f"{cache}: {answer}")
                    for url in urls:
                        parts = urlsplit(url)
                        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                        headers = {"Host": self._host_for(url, cache)}
                        self._send(session, base + path, headers, f"PURGE {url}", errors)
                except requests.RequestException as exc:
                    errors.append(f"{cache} unreachable: {exc}")
        if errors:
            raise PurgeError(f"HTTP purge via {self.alias!r} failed: " + "; ".join(errors[:5]))
        return result

    def _send(
        self,
        session: requests.Session,
        target: str,
        headers: dict[str, str],
        what: str,
        errors: list[str],
    ) -> str:
        response = session.request("PURGE", target, headers=headers, timeout=self.timeout)
        if response.status_code not in OK_STATUSES:
            errors.append(f"{what} at {target}: HTTP {response.status_code} {response.reason}")
        return response.reason or ""
