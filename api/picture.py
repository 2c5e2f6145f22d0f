"""GET /api/v1/assets/<id>/picture: what ``{% picture %}`` renders, as data for JS front ends.

The one home is ``delivery.pictures.picture_data``: public, immutable URLs for public assets
(to any token with the read scope), signed, expiring ones only to the uploading token (who
alone may read an unpublished asset, see ``api.assets.readable``).

``ratio`` ("16/9", "1/1", …) crops every source around the asset's focal rectangle, exactly
as ``{% picture asset ratio="16/9" %}`` does; a ratio that is not planned is served through
signed on-demand URLs, and a malformed one answers 400 ``invalid_ratio``.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Status

from delivery.pictures import picture_data

from .assets import ERRORS, readable, router
from .auth import read_scope
from .schemas import PictureOut


@router.get("/assets/{asset_id}/picture", response={200: PictureOut, **ERRORS}, auth=read_scope)
def get_picture(request: HttpRequest, asset_id: uuid.UUID, ratio: str | None = None):
    """Sources per format (type and srcset), the fallback img's src and srcset, its width
    and height, the placeholder (a data: URI) and the alt text. `ready` is false until the
    first renditions are built (then only the placeholder is there).

    `ratio` ("16/9") asks for the crop `{% picture asset ratio=… %}` renders: every source
    and the width and height are the crop's."""
    asset, view = readable(request.auth, asset_id)
    data = picture_data(asset, ratio=ratio or "")
    return Status(
        200,
        {
            "id": asset.pk,
            "view": view,
            "ready": data.ready,
            "sources": [{"type": mime, "srcset": srcset} for mime, srcset in data.sources],
            "img": {"src": data.img_src, "srcset": data.img_srcset},
            "width": data.width,
            "height": data.height,
            "ratio": data.ratio.replace("x", "/") or None,
            "placeholder": data.placeholder or asset.placeholder,
            "dominant_color": asset.dominant_color,
            "alt": asset.default_alt(),
        },
    )
