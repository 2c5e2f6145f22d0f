"""Takedowns: perceptual-hash matching (resized, re-encoded, flipped copies; not different
images), the public form and API with rate limiting, and taking matches down in the admin."""

from __future__ import annotations

from functools import cache

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aiassets import imaging, synth
from moderation import takedown
from moderation.models import Decision, TakedownRequest
from tests import images

pytestmark = pytest.mark.django_db

FLIP = Image.Transpose.FLIP_LEFT_RIGHT


@cache
def ingest_phash(seed: int) -> str:
    """The phash ingest gives synth.artwork(640, 480, seed) (a 256 px rendition's pHash)."""
    im, info = imaging.open_image(images.png(640, 480, seed=seed), imaging.Limits())
    return imaging.perceptual_hash(imaging.normalize(im, imaging.thumbnail_size(640, 480, 256)))


@pytest.fixture
def originals(make_asset):
    """Six approved assets from different seeds (hashed as ingest hashes them); seed 1 is the
    one being copied. Bare rows keep this fast; one test below ingests for real."""
    return {
        seed: make_asset("approved", published=True, phash=ingest_phash(seed))
        for seed in (1, 2, 3, 4, 5, 6)
    }


@cache
def copies() -> dict[str, bytes]:
    src = synth.artwork(640, 480, seed=1)
    return {
        "resized": images.save(src.resize((320, 240)), "PNG"),
        "upscaled_webp": images.save(src.resize((1000, 750)), "WEBP", quality=60),
        "jpeg_q40": images.save(src, "JPEG", quality=40),
        "flipped": images.save(src.transpose(FLIP), "PNG"),
        "flipped_resized_jpeg": images.save(src.transpose(FLIP).resize((400, 300)), "JPEG"),
    }


@pytest.mark.parametrize("kind", list(copies()))
def test_copies_match_their_original_only(kind, originals):
    evidence = takedown.evidence_from_image(copies()[kind])
    found = takedown.find_matches(evidence.phash, evidence.mirrored_phash)
    assert [c.asset_id for c in found] == [originals[1].pk]
    assert found[0].distance <= 4
    assert found[0].mirrored == kind.startswith("flipped")


@pytest.mark.parametrize("seed", [11, 12, 13, 14, 15, 16, 17, 18])
def test_different_images_do_not_match(seed, originals):
    for style in ("photo", "flat"):
        data = images.save(synth.artwork(640, 480, seed=seed, style=style), "PNG")
        evidence = takedown.evidence_from_image(data)
        assert takedown.find_matches(evidence.phash, evidence.mirrored_phash) == []


def test_the_threshold_is_a_setting(originals, settings):
    evidence = takedown.evidence_from_image(copies()["upscaled_webp"])
    settings.MODERATION_TAKEDOWN_MAX_DISTANCE = 64
    assert len(takedown.find_matches(evidence.phash)) == len(originals)
    settings.MODERATION_TAKEDOWN_MAX_DISTANCE = -1
    assert takedown.find_matches(evidence.phash, evidence.mirrored_phash) == []


# --- the public form ---------------------------------------------------------------------


def form_data(**overrides) -> dict:
    data = {
        "requester_name": "Ada Artist",
        "requester_email": "ada@example.org",
        "reason": "copyright",
        "details": "This copies my painting.",
    }
    data.update(overrides)
    return data


def upload(data: bytes, name: str = "copy.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_the_form_renders_accessibly(client):
    html = client.get("/takedown/").content.decode()
    assert '<html lang="en">' in html and 'enctype="multipart/form-data"' in html
    for field in ("requester_name", "requester_email", "reason", "evidence_image", "evidence_url"):
        assert f'<label for="id_{field}">' in html
    assert "csrfmiddlewaretoken" in html


def test_filing_with_an_image_stores_evidence_privately_and_matches(client, originals, media_root):
    response = client.post(
        "/takedown/", {**form_data(), "evidence_image": upload(copies()["flipped"])}
    )
    assert response.status_code == 200
    req = TakedownRequest.objects.get()
    assert str(req.pk) in response.content.decode()
    assert str(originals[1].pk) not in response.content.decode(), "matches are not disclosed"
    assert req.source == "form" and req.status == "open"
    assert req.evidence_key.startswith(f"takedowns/{req.pk}/")
    assert (media_root / "private" / req.evidence_key).read_bytes() == copies()["flipped"]
    match = req.match_rows.get()
    assert match.asset == originals[1] and match.mirrored


def test_filing_with_one_of_our_urls(client, originals, ingest_now):
    ours = ingest_now(images.png(640, 480, seed=3)).asset  # a real original, re-hashed
    url = f"https://img.example.com/media/v/{ours.pk}/abc/1/320w-x.jpg?sig=1"
    client.post("/takedown/", form_data(evidence_url=url))
    req = TakedownRequest.objects.get()
    assert req.evidence_asset == ours and not req.evidence_key
    assert req.evidence_phash == ours.phash
    assert set(req.matches.all()) == {ours, originals[3]}, "and its copies elsewhere"


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({}, None, "Attach the image"),
        ({"evidence_image": b"<svg onload=alert(1)>"}, "evidence_image", "an SVG document"),
        ({"evidence_image": images.png(64, 64)[:60]}, "evidence_image", "truncated"),
        ({"evidence_image": images.png_bomb()}, "evidence_image", "too many pixels"),
        ({"evidence_url": "https://example.com/cat.jpg"}, "evidence_url", "not point to one of"),
        ({"requester_email": "not-an-email"}, "requester_email", "valid email"),
        ({"reason": "other", "details": ""}, "details", "explain"),
    ],
    ids=["no-evidence", "svg", "truncated", "bomb", "foreign-url", "email", "other-needs-details"],
)
def test_bad_submissions_get_clear_errors_and_store_nothing(
    client, fields, field, text, media_root
):
    data = form_data()
    for key, value in fields.items():
        data[key] = upload(value) if key == "evidence_image" else value
    if "evidence_image" not in data and "evidence_url" not in data and fields:
        data["evidence_image"] = upload(images.png(64, 64))
    response = client.post("/takedown/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and text in html
    if field:
        assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert not TakedownRequest.objects.exists()
    assert not (media_root / "private" / "takedowns").exists()


def test_the_form_is_rate_limited_per_client(client, settings):
    settings.MODERATION_TAKEDOWN_RATE = "2/h"
    for _ in range(2):
        assert client.post("/takedown/", form_data()).status_code == 400  # counted even if invalid
    response = client.post("/takedown/", form_data(), REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "try again" in response.content.decode()
    other = client.post("/takedown/", form_data(), REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 400, "another address has its own budget"


def test_prompts_and_requests_are_escaped_in_the_form(client):
    response = client.post("/takedown/", form_data(requester_name="<img src=x onerror=alert(1)>"))
    html = response.content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# --- the API -----------------------------------------------------------------------------


def test_api_accepts_json_with_a_url(client, originals):
    response = client.post(
        "/api/v1/takedowns",
        {**form_data(), "evidence_url": f"/media/v/{originals[2].pk}/x"},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    req = TakedownRequest.objects.get(pk=body["id"])
    assert body == {"id": str(req.pk), "status": "received"} and req.source == "api"
    assert list(req.matches.all()) == [originals[2]]


def test_api_accepts_multipart_with_an_image(client, originals):
    response = client.post(
        "/api/v1/takedowns", {**form_data(), "evidence_image": upload(copies()["jpeg_q40"])}
    )
    assert response.status_code == 201
    assert list(TakedownRequest.objects.get().matches.all()) == [originals[1]]


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"evidence_image": b"GIF89a\x01\x00\x01\x00"}, 415, "unsupported_type"),
        ({"evidence_image": images.png(64, 64)[:70]}, 422, "truncated"),
        ({}, 422, "invalid"),
    ],
)
def test_api_errors(client, payload, status, code):
    data = form_data()
    for key, value in payload.items():
        data[key] = upload(value)
    response = client.post("/api/v1/takedowns", data)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and "fields" in error
    assert not TakedownRequest.objects.exists()


def test_api_rejects_bad_json(client):
    response = client.post("/api/v1/takedowns", "{nope", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


def test_api_is_rate_limited(client, settings):
    settings.MODERATION_TAKEDOWN_RATE = "1/m"
    client.post("/api/v1/takedowns", form_data())
    response = client.post("/api/v1/takedowns", form_data())
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60


# --- the admin ---------------------------------------------------------------------------


def test_moderator_takes_all_matches_down_in_one_action(
    client, moderator, originals, ingest_now, django_capture_on_commit_callbacks
):
    src = synth.artwork(640, 480, seed=1)
    near_copy = ingest_now(images.save(src.transpose(FLIP), "JPEG", quality=85)).asset
    req = takedown.file_request(
        requester_name="Ada",
        requester_email="ada@example.org",
        reason="copyright",
        evidence=[takedown.evidence_from_image(copies()["resized"])],
    )
    assert set(req.matches.all()) == {originals[1], near_copy}
    client.force_login(moderator)
    page = client.get(f"/admin/moderation/takedownrequest/{req.pk}/change/").content.decode()
    assert f"/admin/moderation/takedownrequest/{req.pk}/evidence/" in page
    assert page.count('name="match"') == 2
    evidence = client.get(f"/admin/moderation/takedownrequest/{req.pk}/evidence/")
    assert evidence["Content-Type"] == "image/webp" and evidence["X-Content-Type-Options"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/moderation/takedownrequest/{req.pk}/change/",
            {"action": "take_down", "match": [originals[1].pk, near_copy.pk]},
            follow=True,
        )
    assert "Took down 2 asset(s)." in [str(m) for m in response.context["messages"]]
    for asset in (originals[1], near_copy):
        asset.refresh_from_db()
        assert asset.moderation_status == "taken_down" and not asset.published
        decision = Decision.objects.get(asset=asset, verdict="take_down")
        assert decision.takedown == req and decision.actor == moderator
        assert decision.reason_code == "takedown_copyright"
    req.refresh_from_db()
    assert req.status == "actioned" and req.handled_by == moderator
    assert originals[2].decisions.filter(verdict="take_down").count() == 0


def test_filing_in_the_admin_and_dismissing(client, moderator, originals):
    client.force_login(moderator)
    response = client.post(
        "/admin/moderation/takedownrequest/add/",
        {**form_data(), "evidence_image": upload(copies()["flipped_resized_jpeg"])},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    req = TakedownRequest.objects.get()
    assert req.source == "admin" and list(req.matches.all()) == [originals[1]]
    client.post(
        f"/admin/moderation/takedownrequest/{req.pk}/change/",
        {"action": "dismiss", "note": "fair use"},
    )
    req.refresh_from_db()
    assert (req.status, req.resolution_note, req.handled_by) == ("dismissed", "fair use", moderator)
    originals[1].refresh_from_db()
    assert originals[1].moderation_status == "approved"


def test_editors_cannot_take_down(client, editor, originals):
    req = takedown.file_request(
        requester_name="Ada",
        requester_email="ada@example.org",
        reason="copyright",
        evidence=[takedown.evidence_from_image(copies()["resized"])],
    )
    client.force_login(editor)
    url = f"/admin/moderation/takedownrequest/{req.pk}/change/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "take_down", "match": [originals[1].pk]}).status_code == 403
    originals[1].refresh_from_db()
    assert originals[1].moderation_status == "approved"


def test_no_match_is_recorded(originals):
    req = takedown.file_request(
        requester_name="Ada",
        requester_email="ada@example.org",
        reason="likeness",
        evidence=[takedown.evidence_from_image(images.png(320, 240, seed=99))],
    )
    assert req.status == "no_match" and not req.matches.exists()


def test_oversized_evidence_is_refused_before_decoding(client, settings):
    settings.MODERATION_TAKEDOWN_MAX_BYTES = 1000
    response = client.post(
        "/api/v1/takedowns", {**form_data(), "evidence_image": upload(images.png(320, 240))}
    )
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"
    assert not TakedownRequest.objects.exists()
