"""Fastly's purge API.

Surrogate keys: ``POST /service/{service_id}/purge`` with ``Surrogate-Key: key1 key2 …``
(batches of up to 256 keys; Fastly matches them against the origin's ``Surrogate-Key``
header). URLs: ``POST /purge/{host}{path}`` per URL (Fastly's single-URL purge). Authenticated
with ``Fastly-Key``; ``soft: true`` adds ``Fastly-Soft-Purge: 1`` (mark stale, not delete).

OPTIONS:
    service_id, api_token  required
    api_base_url           default https://api.fastly.com (tests point it at a local server)
    soft                   soft purge (default False)
    timeout
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from .base import PurgeBackend, PurgeError, PurgeResult, chunks

API = "https://api.fastly.com"
KEYS_PER_REQUEST = 256


class FastlyBackend(PurgeBackend):
    required_options = ("service_id", "api_token")
    optional_options = ("api_base_url", "soft", "timeout")

    def purge(self, urls: list[str], keys: list[str]) -> PurgeResult:
        base = (self.options.get("api_base_url") or API).rstrip("/")
        headers = {"Fastly-Key": self.options["api_token"], "Accept": "application/json"}
        if self.options.get("soft"):
            headers["Fastly-Soft-Purge"] = "1"
        result = PurgeResult(self.alias, urls=len(urls), keys=len(keys))
        with requests.Session() as session:
            for batch in chunks(keys, KEYS_PER_REQUEST):
                endpoint = f"{base}/service/{self.options['service_id']}/purge"
                self._post(session, endpoint, {**headers, "Surrogate-Key": " ".join(batch)})
            for url in urls:
                parts = urlsplit(url)
                if not parts.netloc:
                    raise PurgeError(f"Fastly needs absolute URLs to purge, not {url!r}")
                target = parts.netloc + (parts.path or "/")
                target += f"?{parts.query}" if parts.query else ""
                self._post(session, f"{base}/purge/{target}", headers)
        return result

    def _post(self, session: requests.Session, endpoint: str, headers: dict[str, str]) -> None:
        try:
            response = session.post(endpoint, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PurgeError(f"Fastly purge via {self.alias!r} failed: {exc}") from exc
        if response.status_code != 200:
            raise PurgeError(
                f"Fastly purge via {self.alias!r} failed: {endpoint} answered "
                f"HTTP {response.status_code} {response.text[:200]}"
            )
