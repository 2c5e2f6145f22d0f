"""On-demand sizes: signed, limited, built once and reused, and capped in concurrency."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aiassets.models import Variant
from delivery import signing, transforms
from tests import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def asset(ingest_now):
    return ingest_now(images.png(1000, 500)).asset


def test_builds_once_then_reuses(client, asset, media_root):
    url = signing.transform_url(asset, 777, "webp")
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(first.content)).size == (777, 388)  # round(388.5)
    v = Variant.objects.get(asset=asset, width=777, format="webp")
    assert v.on_demand and v.status == "ready" and v.attempts == 1
    mtime = (media_root / "public" / v.key).stat().st_mtime_ns
    second = client.get(url)
    assert second.status_code == 200 and second.content == first.content
    v.refresh_from_db()
    assert v.attempts == 1, "reused, not rebuilt"
    assert (media_root / "public" / v.key).stat().st_mtime_ns == mtime
    assert "777w" not in "".join(f"{x.width}w" for x in asset.variants.filter(on_demand=False)), (
        "on-demand widths stay out of the planned set"
    )


def test_a_planned_width_is_served_without_building(client, asset):
    before = Variant.objects.count()
    response = client.get(signing.transform_url(asset, 640, "jpeg"))
    assert response.status_code == 200 and Variant.objects.count() == before


@pytest.mark.parametrize(
    "width,reason", [(8, "at least"), (1001, "no upscaling"), (9000, "at most")]
)
def test_limits(client, asset, width, reason):
    response = client.get(signing.transform_url(asset, width, "jpeg"))
    assert response.status_code == 400 and reason in response.content.decode()


def test_unsigned_or_tampered_transform_is_403(client, asset):
    url = signing.transform_url(asset, 500, "jpeg")
    assert client.get(url.split("?")[0]).status_code == 403
    assert client.get(url.replace("500w", "501w")).status_code == 403


def test_past_the_cap_redirects_to_the_nearest_ready_width(client, asset, settings):
    settings.ON_DEMAND_MAX_CONCURRENT = 1
    url = signing.transform_url(asset, 600, "jpeg")
    with transforms.build_slot():  # another build holds the only slot
        response = client.get(url)
    assert response.status_code == 307
    assert "/640w-" in response["Location"] and response["Cache-Control"] == "no-store"
    assert not Variant.objects.filter(asset=asset, width=600).exists()
    assert client.get(url).status_code == 200, "with the slot free it builds"
    assert Variant.objects.filter(asset=asset, width=600, status="ready").exists()


def test_past_the_cap_with_nothing_ready_is_503(client, asset, settings):
    settings.ON_DEMAND_MAX_CONCURRENT = 1
    asset.variants.filter(format="avif").update(status="pending")
    with transforms.build_slot():
        response = client.get(signing.transform_url(asset, 600, "avif"))
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.ON_DEMAND_RETRY_AFTER)


def test_slots_are_released_after_errors(asset, settings):
    settings.ON_DEMAND_MAX_CONCURRENT = 1
    with pytest.raises(RuntimeError), transforms.build_slot():
        raise RuntimeError("build failed")
    with transforms.build_slot(), pytest.raises(transforms.Busy), transforms.build_slot():
        pass


def test_budget_per_minute_then_recovery(client, asset, settings, monkeypatch):
    from django.core.cache import cache

    from aiassets import ratelimit

    cache.clear()
    clock = {"t": 1_900_000_020.0}
    monkeypatch.setattr(ratelimit, "now", lambda: clock["t"])
    settings.ON_DEMAND_BUDGET_PER_MINUTE = 2
    assert client.get(signing.transform_url(asset, 500, "jpeg")).status_code == 200
    assert client.get(signing.transform_url(asset, 510, "jpeg")).status_code == 200
    over = client.get(signing.transform_url(asset, 520, "jpeg"))
    assert over.status_code == 307 and "no-store" in over["Cache-Control"]
    assert client.get(signing.transform_url(asset, 500, "jpeg")).status_code == 200, (
        "ready sizes are served whatever the budget"
    )
    clock["t"] += 60
    assert client.get(signing.transform_url(asset, 520, "jpeg")).status_code == 200


def test_a_build_failure_is_a_clear_503(client, asset, media_root):
    (media_root / "private" / asset.original_key).unlink()
    response = client.get(signing.transform_url(asset, 555, "jpeg"))
    assert response.status_code == 503 and response["Cache-Control"] == "no-store"
    assert "could not be built" in response.content.decode()
