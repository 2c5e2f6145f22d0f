"""Bearer tokens with scopes.

A token carries scopes (``ingest``, ``read``; managed in the admin). An endpoint names the
scope it needs: no token or an unknown one answers 401, a token without the scope 403.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from aiassets.errors import CodedError
from aiassets.models import ApiToken


class TokenAuth(HttpBearer):
    openapi_description = (
        "A per-generator token from the admin or `manage.py create_api_token NAME`. "
        "Scopes: `ingest` (upload), `read` (read own uploads, and public assets' public fields)."
    )

    def __init__(self, scope: str):
        if scope not in ApiToken.SCOPES:
            raise ValueError(f"unknown scope {scope!r}")
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = ApiToken.objects.authenticate(token.strip())
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        if not found.has_scope(self.scope):
            raise CodedError(
                "insufficient_scope",
                f"This token lacks the {self.scope!r} scope; an administrator can grant it "
                "in the admin (API tokens).",
                headers={
                    "WWW-Authenticate": (
                        f'Bearer realm="aiassets", error="insufficient_scope", scope="{self.scope}"'
                    )
                },
            )
        return found


ingest_scope = TokenAuth("ingest")
read_scope = TokenAuth("read")
