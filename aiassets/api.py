"""HTTP ingest API for generators (django-ninja, which also serves the OpenAPI schema).

POST /api/v1/assets   multipart: file, provenance (JSON)   → 201 new, 200 duplicate
GET  /api/v1/assets/<id>     → status, dimensions, provenance, variants
Errors are always {"error": {"code": …, "message": …}} with a 4xx status.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from ninja import File, Form, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile
from ninja.security import HttpBearer

from . import errors
from .errors import CodedError, error_body, json_error
from .ingest import IngestError, ingest
from .models import ApiToken, Asset


class TokenAuth(HttpBearer):
    openapi_description = "A per-generator token from `manage.py create_api_token NAME`."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = ApiToken.objects.authenticate(token)
        if found is not None:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        return found


api = NinjaAPI(
    title="aiassets API",
    version="1",
    description="Ingest AI-generated images with their provenance, and read their status.",
    urls_namespace="api",
    auth=TokenAuth(),
)


def error_response(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    return json_error(
        status, code, message, headers={k.replace("_", "-"): v for k, v in headers.items()}
    )


@api.exception_handler(CodedError)
def _coded_error(request: HttpRequest, exc: CodedError) -> HttpResponse:
    return errors.error_response(exc)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(
        401,
        "unauthorized",
        "A valid bearer token is required: send 'Authorization: Bearer <token>'.",
        WWW_Authenticate='Bearer realm="aiassets"',
    )


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    parts = []
    for err in exc.errors[:5]:
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "form", "path"))
        parts.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return error_response(400, "bad_request", "; ".join(parts) + ".")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, "error", str(exc))


class ErrorBody(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorBody


class AssetCreated(Schema):
    id: uuid.UUID
    moderation_status: str


class ModelOut(Schema):
    name: str
    version: str
    licence: str


class SourceOut(Schema):
    platform: str
    job_id: str


class ProvenanceOut(Schema):
    model: ModelOut
    prompt: str
    negative_prompt: str
    seed: str | None
    params: dict[str, Any]
    generated_at: datetime
    source: SourceOut


class VariantOut(Schema):
    width: int
    height: int
    format: str
    bytes: int | None
    status: str
    url: str | None


class AssetOut(Schema):
    id: uuid.UUID
    sha256: str
    moderation_status: str
    published: bool
    format: str
    width: int
    height: int
    bytes: int
    created_at: datetime
    provenance: ProvenanceOut
    variants: list[VariantOut]


ERRORS = {code: ErrorOut for code in (400, 401, 404, 409, 410, 413, 415, 422, 429)}


@api.post("/assets", response={200: AssetCreated, 201: AssetCreated, **ERRORS}, tags=["assets"])
def create_asset(
    request: HttpRequest,
    file: File[UploadedFile] = None,
    provenance: Form[str] = None,
):
    """Upload an original with its provenance. The same bytes twice return the same id (200)."""
    if file is None:
        raise IngestError("missing_file", "Send the image as a multipart field named 'file'.")
    if not provenance:
        raise IngestError(
            "invalid_metadata", "Send the provenance as a JSON multipart field named 'provenance'."
        )
    result = ingest(file, provenance, token=request.auth, filename=file.name or "")
    asset = result.asset
    return Status(
        201 if result.created else 200,
        {"id": asset.id, "moderation_status": asset.moderation_status},
    )


@api.get("/assets/{asset_id}", response={200: AssetOut, **ERRORS}, tags=["assets"])
def get_asset(request: HttpRequest, asset_id: uuid.UUID):
    """An asset's status, dimensions, provenance and variants. URLs are signed unless public."""
    asset = (
        Asset.objects.select_related("provenance__model")
        .prefetch_related("variants")
        .filter(pk=asset_id)
        .first()
    )
    if asset is None:
        return Status(404, error_body("not_found", f"No asset {asset_id}."))
    if asset.erased_at is not None:
        message = f"Asset {asset_id} was erased on {asset.erased_at:%Y-%m-%d}."
        return Status(410, error_body("erased", message))
    url_for = import_string(settings.AIASSETS_VARIANT_URL)
    prov = asset.provenance
    return Status(
        200,
        {
            "id": asset.id,
            "sha256": asset.sha256,
            "moderation_status": asset.moderation_status,
            "published": asset.published,
            "format": asset.format,
            "width": asset.width,
            "height": asset.height,
            "bytes": asset.bytes,
            "created_at": asset.created_at,
            "provenance": {
                "model": {
                    "name": prov.model.name,
                    "version": prov.model.version,
                    "licence": prov.model.licence,
                },
                "prompt": prov.prompt,
                "negative_prompt": prov.negative_prompt,
                "seed": prov.seed or None,
                "params": prov.params,
                "generated_at": prov.generated_at,
                "source": {"platform": prov.source_platform, "job_id": prov.source_job_id},
            },
            "variants": [
                {
                    "width": v.width,
                    "height": v.height,
                    "format": v.format,
                    "bytes": v.bytes,
                    "status": v.status,
                    "url": url_for(asset, v) if v.status == "ready" else None,
                }
                for v in sorted(asset.variants.all(), key=lambda v: (v.format, v.width))
            ],
        },
    )
