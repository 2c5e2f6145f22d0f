"""The one NinjaAPI, served at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /docs)."""

from __future__ import annotations

# edit, listing and picture add their routes to assets.router when imported.
from . import assets, edit, errors, hooks, listing, picture, status, takedowns  # noqa: F401
from .openapi import TypedNinjaAPI

api = TypedNinjaAPI(
    title="aiassets API",
    version="1",
    description=(
        "Ingest AI-generated images with their provenance, list, edit and erase them, get "
        "what a <picture> needs, register webhooks, and file takedown requests. "
        'Every error is `{"error": {"code": "...", "message": "..."}}`.'
    ),
    urls_namespace="api",
)
errors.install(api)
api.add_router("", status.router)  # first: /assets/status before /assets/{asset_id}
api.add_router("", assets.router)
api.add_router("", takedowns.router)
api.add_router("", hooks.router)
