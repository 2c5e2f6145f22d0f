"""Cloudflare's purge API: ``POST /client/v4/zones/{zone_id}/purge_cache``.

URLs go as ``{"files": [...]}`` and surrogate keys as ``{"tags": [...]}`` (Cloudflare matches
tags against the origin's ``Cache-Tag`` header). Cloudflare takes one purge type per request and
at most 30 items each, so both are sent in batches. Authenticated with an API token
(``Authorization: Bearer``) that has the Cache Purge permission.

OPTIONS:
    zone_id, api_token     required
    api_base_url           default https://api.cloudflare.com/client/v4 (tests point it at a
                           local server)
    purge_tags             send surrogate keys as tags (default True)
    timeout
"""

from __future__ import annotations

from typing import Any

import requests

from .base import PurgeBackend, PurgeError, PurgeResult, chunks

API = "https://api.cloudflare.com/client/v4"
BATCH = 30


class CloudflareBackend(PurgeBackend):
    required_options = ("zone_id", "api_token")
    optional_options = ("api_base_url", "purge_tags", "timeout")

    def purge(self, urls: list[str], keys: list[str]) -> PurgeResult:
        tags = keys if self.options.get("purge_tags", True) else []
        result = PurgeResult(self.alias, urls=len(urls), keys=len(tags))
        endpoint = (
            f"{(self.options.get('api_base_url') or API).rstrip('/')}"
            f"/zones/{self.options['zone_id']}/purge_cache"
        )
        headers = {"Authorization": f"Bearer {self.options['api_token']}"}
        with requests.Session() as session:
            for kind, items in (("files", urls), ("tags", tags)):
                for batch in chunks(items, BATCH):
                    answer = self._post(session, endpoint, headers, {kind: batch})
                    result.details.append(f"{kind}: {answer.get('result', {}).get('id', 'ok')}")
        return result

    def _post(
        self, session: requests.Session, endpoint: str, headers: dict[str, str], body: dict
    ) -> dict[str, Any]:
        try:
            response = session.post(endpoint, json=body, headers=headers, timeout=self.timeout)
            data = response.json() if response.content else {}
        except (requests.RequestException, ValueError) as exc:
            raise PurgeError(f"Cloudflare purge via {self.alias!r} failed: {exc}") from exc
        if response.status_code != 200 or not data.get("success"):
            errors = data.get("errors") or response.reason
            raise PurgeError(
                f"Cloudflare purge via {self.alias!r} failed: HTTP {response.status_code} {errors}"
            )
        return data
