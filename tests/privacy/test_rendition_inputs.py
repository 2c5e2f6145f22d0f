"""Every input that shapes a rendition's bytes is part of its identity, on demand as planned.

Each privacy input is flipped AFTER on-demand sizes exist: prompt visibility on the asset and
on its generative model, face redaction on and off. The old renditions die (rows, files, and
their URLs answer 404), and the bytes served afterwards are right: no private prompt in the
new manifests, faces pixelated exactly when redaction applies.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from aiassets import renditions
from aiassets.models import Asset, GenerativeModel, Provenance, Variant
from delivery import signing
from moderation import faces, workflow
from tests.conftest import provenance
from tests.privacy.test_face_redaction import FACE, astronaut_png

pytestmark = pytest.mark.django_db

WORD = b"FLIPWORD"
MODEL = {"name": "Flip Diffusion", "version": "1"}
ON_DEMAND = 400  # not a planned width (the tests plan 320 and the source's 512)


def public_asset(ingest_now, capture, *, prompt: str, redaction: str) -> Asset:
    prov = provenance(model=MODEL, prompt=f"{WORD.decode()} portrait", prompt_visibility=prompt)
    asset = ingest_now(astronaut_png(), prov).asset
    with capture(execute=True):
        faces.record_faces(asset.pk, [FACE])
        workflow.set_face_redaction(asset, redaction)
        workflow.approve(asset)
    asset.refresh_from_db()
    assert asset.is_public
    return asset


def fetch(client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def on_demand(client, asset: Asset) -> tuple[str, bytes, Variant]:
    """Ask for an on-demand JPEG through its signed transform URL."""
    url = signing.transform_url(asset, ON_DEMAND, "jpeg")
    body = fetch(client, url)
    row = asset.variants.get(width=ON_DEMAND, format="jpeg", status="ready")
    assert row.on_demand
    return url, body, row


def face_region(blob: bytes) -> np.ndarray:
    im = np.asarray(Image.open(io.BytesIO(blob)).convert("RGB"), np.int16)
    scale = im.shape[1]
    x, y, w, h = (round(v * scale) for v in FACE)  # the astronaut is square
    return im[y : y + h, x : x + w]


def reference_face() -> np.ndarray:
    """The face as an unredacted resize of the original shows it."""
    original = Image.open(io.BytesIO(astronaut_png())).convert("RGB")
    ratio = ON_DEMAND / original.width
    small = original.resize((ON_DEMAND, round(original.height * ratio)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    small.save(buf, "PNG")
    return face_region(buf.getvalue())


def pixelated(blob: bytes) -> bool:
    return float(np.abs(face_region(blob) - reference_face()).mean()) > 10


def flip_asset_prompt(asset: Asset, client, capture) -> None:
    Provenance.objects.filter(asset=asset).update(prompt_visibility="private")
    with capture(execute=True):
        assert workflow.republish(asset, reason="prompt made private")


def flip_model_prompt(asset: Asset, client, capture) -> None:
    """Through the admin: the model's rules change, moderation republishes in the background."""
    from django.contrib.auth import get_user_model

    gm = GenerativeModel.objects.get(name=MODEL["name"])
    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    form = {"name": gm.name, "version": gm.version, "licence": "", "licence_url": ""}
    form.update(usage_restrictions="", redact_faces="", prompts_public_by_default="")
    with capture(execute=True):
        response = client.post(f"/admin/aiassets/generativemodel/{gm.pk}/change/", form)
    assert response.status_code == 302
    client.logout()


def flip_redaction(choice: str):
    def flip(asset: Asset, client, capture) -> None:
        with capture(execute=True):
            assert workflow.set_face_redaction(asset, choice)

    return flip


CASES = {
    # id: (prompt visibility, face redaction, model prompts public, flip, what the bytes show)
    "asset-prompt-private": ("public", "keep", False, flip_asset_prompt, "no-prompt"),
    "model-prompt-private": ("inherit", "keep", True, flip_model_prompt, "no-prompt"),
    "redaction-on": ("private", "keep", False, flip_redaction("redact"), "pixelated"),
    "redaction-off": ("private", "redact", False, flip_redaction("keep"), "plain"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_flipping_an_input_after_on_demand_sizes_exist_kills_the_old_keys(
    case, client, ingest_now, media_root, django_capture_on_commit_callbacks
):
    prompt, redaction, model_public, flip, expect = CASES[case]
    GenerativeModel.objects.create(**MODEL, prompts_public_by_default=model_public)
    capture = django_capture_on_commit_callbacks
    asset = public_asset(ingest_now, capture, prompt=prompt, redaction=redaction)
    old_transform, old_bytes, _ = on_demand(client, asset)
    old_rows = list(asset.variants.all())
    old_urls = [signing.variant_url(asset, v) for v in old_rows]
    assert all(fetch(client, url) for url in old_urls), "every old rendition was served"
    if expect == "no-prompt":
        assert WORD in old_bytes, "the control: the manifest named the public prompt"
    assert pixelated(old_bytes) == (redaction == "redact"), "the control: faces as configured"

    flip(asset, client, capture)
    asset.refresh_from_db()

    old_keys = {v.key for v in old_rows}
    assert not Variant.objects.filter(key__in=old_keys).exists(), "every old row is retired"
    assert not [k for k in old_keys if (media_root / "public" / k).exists()], "and its file"
    for url in [*old_urls, old_transform]:
        assert client.get(url).status_code in (403, 404), url
    _, new_bytes, new_row = on_demand(client, asset)
    assert new_row.key not in old_keys
    spec = renditions.spec_for(asset, ON_DEMAND, "jpeg")
    assert (new_row.recipe, new_row.key) == (spec.recipe, spec.key(asset)), "one identity"
    planned = [media_root / "public" / v.key for v in asset.variants.filter(on_demand=False)]
    blobs = [new_bytes, *(p.read_bytes() for p in planned)]
    assert all(WORD not in b for b in blobs), "no new rendition names the private prompt"
    assert pixelated(new_bytes) == (expect == "pixelated")


def test_on_demand_lookup_and_build_use_the_planned_recipe(ingest_now, settings):
    """A planned width asked for on demand is the planned rendition, with every input."""
    asset = ingest_now(astronaut_png(), provenance(prompt_visibility="public")).asset
    faces.record_faces(asset.pk, [FACE])
    Asset.objects.filter(pk=asset.pk).update(face_redaction="redact")
    asset.refresh_from_db()
    planned = {(s.width, s.format): s.recipe for s in renditions.plan(asset)}
    built = renditions.build_one(asset, 320, "webp")
    assert built.recipe == planned[(320, "webp")] and not built.on_demand
    plain = renditions.recipe("webp", settings.DERIVATIVE_FORMATS["webp"])
    assert built.recipe != plain, "redaction and prompt visibility are in the recipe"


@pytest.mark.redis
def test_a_model_change_in_the_admin_republishes_in_the_background(
    rq, admin_client, ingest_now, settings, django_capture_on_commit_callbacks
):
    """The admin request only asks: moderation's job republishes every asset afterwards."""
    GenerativeModel.objects.create(**MODEL, prompts_public_by_default=True)
    settings.JOBS_INLINE = True
    asset = ingest_now(astronaut_png(), provenance(model=MODEL)).asset
    settings.JOBS_INLINE = False
    before = set(asset.variants.values_list("key", flat=True))
    gm = GenerativeModel.objects.get(name=MODEL["name"])
    form = {"name": gm.name, "version": gm.version, "licence": "", "licence_url": ""}
    form.update(usage_restrictions="", redact_faces="", prompts_public_by_default="")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            f"/admin/aiassets/generativemodel/{gm.pk}/change/", form, follow=True
        )
    assert "being rebuilt" in response.content.decode()
    assert set(asset.variants.values_list("key", flat=True)) == before, "not in the request"
    assert rq.queue("moderation").job_ids == [f"republish-model-{gm.pk}"]
    with django_capture_on_commit_callbacks(execute=True):
        rq.work("moderation")  # the model's job, then one republish job per asset
    finished = rq.queue("moderation").finished_job_registry.get_job_ids()
    assert sorted(finished) == sorted([f"republish-model-{gm.pk}", f"republish-{asset.pk}"])
    rq.work("derivatives")
    after = set(asset.variants.filter(status="ready").values_list("key", flat=True))
    assert after and not after & before
