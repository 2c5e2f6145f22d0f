"""Art direction in the asset admin: the focal rectangle widget and the planned crops.

The change page shows the preview with the focal rectangle drawn; an editor clicks the
subject (a point) or drags a rectangle (static/aiassets/focal.js, no inline script), and the
value travels with the form as ``focal_rect``. Saving stores it through aiassets.focal (new
crop keys, old public crops purged) and logs the old and new values in the admin history.
Below, each planned ratio is shown cropped as it will be published, with the focal rectangle
drawn: the built crop when it is ready, else one cut from the original on the fly.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from PIL import Image

from .. import focal, imaging, renditions, storage
from ..imaging import crops
from ..models import Asset, FocalSource, Variant

PREVIEW_WIDTH = 320


def planned(asset: Asset) -> list[crops.Ratio]:
    """Every ratio the plan builds for ``asset``: DERIVATIVE_RATIOS and the share card's."""
    ratios = list(renditions.planned_ratios())
    card = renditions.social_card(asset)
    if card is not None and card.ratio not in ratios:
        ratios.append(card.ratio)
    return ratios


def panel(asset: Asset) -> str:
    """The widget and the crop previews (HTML, every value escaped)."""
    rect = asset.focal_rect()
    value = crops.signature(rect) if rect else ""
    who = asset.get_focal_source_display()
    if asset.focal_source == FocalSource.EDITOR and asset.focal_set_by_id:
        who = f"{who} ({asset.focal_set_by})"
    return format_html(
        '<div class="aia-focal" data-focal="{}">'
        '<div class="aia-focal-stage"><img src="{}" alt="" draggable="false">'
        '<div class="aia-focal-rect" hidden></div></div>'
        '<input type="hidden" name="focal_rect" value="{}" class="aia-focal-input">'
        '<p class="help">Click the subject, or drag a rectangle around what every crop must '
        'keep, then save. Now: <span class="aia-focal-value">{}</span> · {}</p></div>'
        '<div class="aia-crops">{}</div>',
        value,
        reverse("admin:aiassets_asset_preview", args=[asset.pk]),
        value,
        value or "centre",
        who,
        format_html_join("", "{}", ((_figure(asset, r),) for r in planned(asset))),
    )


def _figure(asset: Asset, ratio: crops.Ratio) -> str:
    rect = asset.focal_rect()
    box = crops.crop_box(asset.width, asset.height, ratio, rect)
    inner = _inside(rect, box, asset.width, asset.height) if rect else ""
    ready, total = _progress(asset, ratio)
    height = max(1, round(PREVIEW_WIDTH * ratio.q / ratio.p))
    return format_html(
        '<figure class="aia-crop" data-ratio="{}" data-focal="{}">'
        '<div class="aia-crop-frame"><img src="{}?f={}" alt="{} crop" width="{}" height="{}">'
        '<div class="aia-focal-rect" hidden></div></div>'
        "<figcaption>{} · {}×{} px of the original · {} of {} built</figcaption></figure>",
        ratio.slug,
        inner,
        reverse("admin:aiassets_asset_crop", args=[asset.pk, ratio.slug]),
        crops.signature(rect) if rect else "centre",
        ratio,
        PREVIEW_WIDTH,
        height,
        str(ratio).replace("/", ":"),
        box[2] - box[0],
        box[3] - box[1],
        ready,
        total,
    )


def _inside(rect: crops.Rect, box: tuple, width: int, height: int) -> str:
    """The focal rectangle as fractions of the crop box (what the preview draws)."""
    bw, bh = box[2] - box[0], box[3] - box[1]
    values = (
        (rect[0] * width - box[0]) / bw,
        (rect[1] * height - box[1]) / bh,
        (rect[2] * width - box[0]) / bw,
        (rect[3] * height - box[1]) / bh,
    )
    return crops.signature(values)


def _progress(asset: Asset, ratio: crops.Ratio) -> tuple[int, int]:
    wanted = {(s.width, s.format, s.recipe) for s in renditions.plan(asset) if s.crop == ratio.slug}
    rows = [v for v in asset.variants.all() if (v.width, v.format, v.recipe) in wanted]
    return sum(v.status == Variant.Status.READY for v in rows), len(wanted)


def save_from_request(model_admin: Any, request: HttpRequest, asset: Asset) -> None:
    """Store the focal rectangle the form carried, when it changed, and log old → new."""
    text = request.POST.get("focal_rect", "").strip()
    if not text:
        return
    try:
        rect = focal.parse(text)
    except ValueError as exc:
        model_admin.message_user(request, str(exc), messages.ERROR)
        return
    old = asset.focal_rect()
    if old is not None and crops.rounded(old) == rect:
        return
    if focal.set_focal(asset, rect, FocalSource.EDITOR, by=request.user):
        model_admin.log_change(
            request,
            asset,
            f"Changed the focal rectangle from {focal.describe(old)} to {focal.describe(rect)}.",
        )
        model_admin.message_user(
            request, "Focal rectangle saved: new crops are being built.", messages.SUCCESS
        )


def crop_view(model_admin: Any, request: HttpRequest, asset_id: Any, slug: str) -> HttpResponse:
    """Staff only: one ratio's crop as it will be published (JPEG, about 320 px wide)."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    asset = get_object_or_404(Asset, pk=asset_id)
    try:
        ratio = crops.parse_ratio(slug)
    except crops.RatioError as exc:
        raise Http404(exc.message)
    try:
        body = _built(asset, ratio) or _cut(asset, ratio)
    except (FileNotFoundError, OSError, imaging.ImagingError):
        raise Http404("The original is missing or unreadable.")
    response = HttpResponse(body, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _built(asset: Asset, ratio: crops.Ratio) -> bytes:
    """The smallest ready crop of the current plan at least PREVIEW_WIDTH wide, if any."""
    specs = [s for s in renditions.plan(asset) if s.crop == ratio.slug and s.format == "jpeg"]
    recipes = {s.recipe for s in specs}
    ready = asset.variants.filter(ratio=ratio.slug, format="jpeg", status=Variant.Status.READY)
    rows = sorted((v for v in ready if v.recipe in recipes), key=lambda v: v.width)
    if not rows:
        return b""
    row = next((v for v in rows if v.width >= PREVIEW_WIDTH), rows[-1])
    with storage.variants().open(row.key, "rb") as fh:
        return fh.read()


def _cut(asset: Asset, ratio: crops.Ratio) -> bytes:
    """The crop cut from the original now (redacted like the public one)."""
    with storage.originals().open(asset.original_key, "rb") as fh:
        im, _ = imaging.open_image(fh.read(), renditions.limits())
    im = imaging.normalize(im, size=imaging.thumbnail_size(asset.width, asset.height, 1280))
    boxes = asset.redaction_boxes()
    if boxes:
        im = imaging.redact(im, boxes)
    im = im.crop(crops.crop_box(im.width, im.height, ratio, asset.focal_rect()))
    im.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 10), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=80)
    return buf.getvalue()
