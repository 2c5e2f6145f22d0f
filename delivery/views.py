"""The origin: serves variant bytes to the CDN or the browser, never an original."""

from __future__ import annotations

import logging
import uuid
from functools import wraps

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from aiassets import storage
from aiassets.formats import FALLBACK_FORMAT
from aiassets.imaging import crops
from aiassets.models import Asset, Variant

from . import signing as url_signing
from . import transforms
from .metrics import ON_DEMAND_BUILDS, ORIGIN_RESPONSES

logger = logging.getLogger(__name__)
FORMAT_BY_EXT = {"avif": "avif", "webp": "webp", "jpg": "jpeg"}


def _forbidden(reason: str) -> HttpResponse:
    return HttpResponse(f"Forbidden: {reason}.", status=403, content_type="text/plain")


def _check_signature(request: HttpRequest) -> int:
    """Seconds of life left in the request's signature; raises BadSignature."""
    return url_signing.verify(request.path, request.GET.get("exp", ""), request.GET.get("sig", ""))


def _current(asset: Asset, sha16: str, version: int) -> bool:
    return asset.sha256[:16] == sha16 and asset.delivery_version == version


def serve_variant(
    request: HttpRequest, asset: Asset, variant: Variant, cache_control: str
) -> HttpResponse:
    """Bytes of one variant with exact headers; 304 for a matching If-None-Match."""
    # Weak: a forced rebuild gives the same pixels under the same key, but a new C2PA salt.
    etag = f'W/"{asset.sha256[:16]}-{variant.width}-{variant.format}-{variant.recipe}"'
    headers = {
        "ETag": etag,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
        "xkey": url_signing.surrogate_key(asset.id),
        "Surrogate-Key": url_signing.surrogate_key(asset.id),
        "Cache-Tag": url_signing.surrogate_key(asset.id),  # Cloudflare's name for the same
    }
    wanted = {
        t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")
    }
    if etag.removeprefix("W/") in wanted or "*" in wanted:
        return HttpResponse(status=304, headers=headers)
    try:
        with storage.variants().open(variant.key, "rb") as fh:
            body = fh.read()
    except OSError as exc:
        logger.error("variant %s is ready but its file is unreadable: %s", variant.key, exc)
        raise Http404("missing file")
    response = HttpResponse(
        b"" if request.method == "HEAD" else body, content_type=variant.mime_type, headers=headers
    )
    response["Content-Length"] = str(len(body))
    return response


def counted(kind: str):
    """Count every response of a view by status code, under ``kind``."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                ORIGIN_RESPONSES.labels("404", kind).inc()
                raise
            ORIGIN_RESPONSES.labels(str(response.status_code), kind).inc()
            return response

        return wrapper

    return decorate


@counted("variant")
@require_safe
def origin(
    request: HttpRequest,
    asset_id: uuid.UUID,
    sha16: str,
    version: int,
    width: int,
    recipe: str,
    ext: str,
) -> HttpResponse:
    """A planned variant. Public assets get immutable caching; others need a signature. A lazy
    one (DERIVATIVE_PRECOMPUTE) is built on this first request, once it is allowed to be seen."""
    fmt = FORMAT_BY_EXT.get(ext)
    if fmt is None:
        raise Http404("unknown format")
    variant = (
        Variant.objects.select_related("asset")
        .filter(asset_id=asset_id, width=width, format=fmt, recipe=recipe)
        .filter(status__in=[Variant.Status.READY, Variant.Status.LAZY])
        .first()
    )
    if variant is None or not _current(variant.asset, sha16, version):
        raise Http404("no such variant")
    asset = variant.asset
    if "sig" in request.GET or "exp" in request.GET:
        try:
            left = _check_signature(request)
        except signing.BadSignature as exc:
            return _forbidden(str(exc))
        cache_control = f"private, max-age={left}"
    elif asset.is_public:
        cache_control = storage.IMMUTABLE
    else:
        raise Http404("not public")
    if variant.status == Variant.Status.LAZY:  # only now: who may not see it never builds it
        return _build_lazy(request, asset, variant, cache_control)
    return serve_variant(request, asset, variant, cache_control)


def _build_lazy(
    request: HttpRequest, asset: Asset, variant: Variant, cache_control: str
) -> HttpResponse:
    """Build a lazy variant through the on-demand path and serve it under its planned URL.
    Busy: a no-store redirect to the nearest ready width (of its format, else the fallback)."""
    try:
        built = transforms.build_lazy(asset, variant)
    except transforms.Busy:
        ON_DEMAND_BUILDS.labels("busy").inc()
        wanted = crops.parse_ratio(variant.ratio) if variant.ratio else None
        return _nearest(asset, variant.width, variant.format, wanted, FALLBACK_FORMAT)
    except Exception:  # a broken original, a signing failure: logged, and a clear 503
        ON_DEMAND_BUILDS.labels("error").inc()
        logger.exception("lazy build of %s %dw %s failed", asset.pk, variant.width, variant.format)
        return _unavailable("This image could not be built; the error is logged.")
    if built is None:
        raise Http404("no such variant")
    if cache_control == storage.IMMUTABLE and not _still_public(asset):
        raise Http404("not public")  # it left public view while it was being built
    ON_DEMAND_BUILDS.labels("lazy").inc()
    return serve_variant(request, asset, built, cache_control)


def _still_public(asset: Asset) -> bool:
    return Asset.objects.public().filter(pk=asset.pk).exists()


def _nearest(asset: Asset, width: int, fmt: str, wanted, *fallbacks: str) -> HttpResponse:
    """Busy: a no-store 307 to the nearest ready width of ``fmt`` (else of each fallback
    format in turn); 503 only when none is ready."""
    for candidate in (fmt, *fallbacks):
        nearest = transforms.nearest_ready(asset, width, candidate, wanted)
        if nearest is not None:
            response = HttpResponseRedirect(url_signing.variant_url(asset, nearest))
            response.status_code = 307
            response["Cache-Control"] = "no-store"
            return response
    return _unavailable("Busy: try again shortly.")


@counted("transform")
@require_safe
def transform(
    request: HttpRequest,
    asset_id: uuid.UUID,
    sha16: str,
    version: int,
    width: int,
    ext: str,
    ratio: str = "",
) -> HttpResponse:
    """A signed on-demand size (``640w.jpg``) or crop (``640w-16x9.jpg``). Built once and
    stored as a Variant.

    Past the concurrency cap we redirect (307, not cacheable) to the nearest ready width rather
    than answer 503: a page then shows a slightly different size instead of a broken image, and
    the next request builds the exact width. Only with no ready width at all is it 503.
    """
    fmt = FORMAT_BY_EXT.get(ext)
    if fmt is None:
        raise Http404("unknown format")
    try:
        left = _check_signature(request)
    except signing.BadSignature as exc:
        return _forbidden(str(exc))
    asset = Asset.objects.filter(pk=asset_id).first()
    if asset is None or not _current(asset, sha16, version):
        raise Http404("no such asset version")
    try:
        wanted = crops.parse_ratio(ratio) if ratio else None
    except crops.RatioError as exc:
        return _bad_request(exc.message)
    problem = transforms.check_width(asset, width, fmt, wanted)
    if problem:
        return _bad_request(problem)
    try:
        variant = transforms.get_or_build(asset, width, fmt, wanted)
    except transforms.Busy:
        ON_DEMAND_BUILDS.labels("busy").inc()
        return _nearest(asset, width, fmt, wanted)
    except Exception:  # a broken original, a signing failure: logged, and a clear 503
        ON_DEMAND_BUILDS.labels("error").inc()
        logger.exception("on-demand build of %s %dw %s failed", asset.pk, width, fmt)
        return _unavailable("This size could not be built; the error is logged.")
    return serve_variant(request, asset, variant, f"private, max-age={left}")


def _bad_request(problem: str) -> HttpResponse:
    return HttpResponse(
        f"Bad request: {problem.rstrip('.')}.", status=400, content_type="text/plain"
    )


def _unavailable(message: str) -> HttpResponse:
    response = HttpResponse(message, status=503, content_type="text/plain")
    response["Retry-After"] = str(settings.ON_DEMAND_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response
