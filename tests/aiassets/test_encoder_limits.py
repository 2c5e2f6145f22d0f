"""Plans respect each encoder's limits: WebP stops at 16383 px a side, so a taller rendition is
left out of the plan (the admin says why) instead of failing three times."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aiassets import formats, renditions
from aiassets.models import Variant
from delivery import signing

pytestmark = pytest.mark.django_db

WIDTH, HEIGHT = 18, 16_800  # at 16 wide the height is 14933: WebP can; at 18 it cannot


def tall_png() -> bytes:
    im = Image.linear_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def tall(ingest_now, settings):
    settings.DERIVATIVE_WIDTHS = [16, 32]  # plans 16 and the source's 18 (16 is > 10 % below)
    return ingest_now(tall_png()).asset


def test_webp_past_its_limit_is_left_out_of_the_plan_with_a_reason(tall):
    assert formats.WEBP.max_side == 16_383
    rows = {(v.width, v.format): v for v in tall.variants.all()}
    assert (18, "webp") not in rows, "no WebP row past 16383 px"
    assert rows[(16, "webp")].status == "ready", "WebP where it fits"
    assert {rows[(18, f)].status for f in ("avif", "jpeg")} == {"ready"}, "other formats can"
    assert not tall.variants.exclude(status=Variant.Status.READY).exists(), "nothing failed"
    [reason] = renditions.plan(tall).left_out
    assert "webp 18w" in reason and "16383" in reason


def test_the_admin_shows_why(admin_client, tall):
    page = admin_client.get(f"/admin/aiassets/asset/{tall.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200 and "Left out of the plan" in html
    assert "webp 18w left out: 18×16800 exceeds the encoder" in html and "16383" in html


def test_on_demand_refuses_it_with_a_reason(client, tall):
    response = client.get(signing.transform_url(tall, 18, "webp"))
    assert response.status_code == 400 and "16383" in response.content.decode()
    assert client.get(signing.transform_url(tall, 18, "jpeg")).status_code == 200


def test_a_row_made_before_the_limit_is_retired(tall):
    """Rows that no encoder can make (planned before this rule) leave the plan, not fail."""
    spec = renditions.Spec(18, HEIGHT, "webp", (), renditions.Inputs())
    Variant.objects.create(
        asset=tall, width=18, height=HEIGHT, format="webp", recipe="old", key="k", status="failed"
    )
    assert spec.too_large
    renditions.ensure_rows(tall)
    assert not tall.variants.filter(format="webp", width=18).exists()
