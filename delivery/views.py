"""The origin: serves variant bytes to the CDN or the browser, never an original."""

from __future__ import annotations

import logging

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from aiassets import storage
from aiassets.models import Variant

from . import signing as url_signing

logger = logging.getLogger(__name__)
FORMAT_BY_EXT = {"avif": "avif", "webp": "webp", "jpg": "jpeg"}


@require_safe
def origin(
    request: HttpRequest, asset_id, sha16: str, version: int, width: int, recipe: str, ext: str
) -> HttpResponse:
    fmt = FORMAT_BY_EXT.get(ext)
    if fmt is None:
        raise Http404("unknown format")
    variant = (
        Variant.objects.select_related("asset")
        .filter(asset_id=asset_id, width=width, format=fmt, recipe=recipe, status="ready")
        .first()
    )
    if variant is None:
        raise Http404("no such variant")
    asset = variant.asset
    if asset.sha256[:16] != sha16 or asset.delivery_version != version:
        raise Http404("superseded URL")

    if "sig" in request.GET or "exp" in request.GET:
        try:
            left = url_signing.verify(
                request.path, request.GET.get("exp", ""), request.GET.get("sig", "")
            )
        except signing.BadSignature as exc:
            return HttpResponse(f"Forbidden: {exc}.", status=403, content_type="text/plain")
        cache_control = f"private, max-age={left}"
    elif asset.is_public:
        cache_control = storage.IMMUTABLE
    else:
        raise Http404("not public")

    etag = f'"{asset.sha256[:16]}-{variant.width}-{variant.format}-{variant.recipe}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
        "xkey": f"asset-{asset.id}",
        "Surrogate-Key": f"asset-{asset.id}",
    }
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return HttpResponse(status=304, headers=headers)
    try:
        with storage.variants().open(variant.key, "rb") as fh:
            body = fh.read()
    except (FileNotFoundError, OSError) as exc:
        logger.error("variant %s is ready but its file is unreadable: %s", variant.key, exc)
        raise Http404("missing file")
    response = HttpResponse(
        b"" if request.method == "HEAD" else body, content_type=variant.mime_type, headers=headers
    )
    response["Content-Length"] = str(len(body))
    return response
