"""A prompt read from the file follows the same visibility rules as a given one, and nothing
else the file carried (negative prompt, parameters, raw chunks) reaches a public output: the
variants' bytes (XMP, C2PA), the asset page, the gallery, search, the provenance record, or
another token's API view. The public record states the source type the file states."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aiassets import c2pa
from aiassets.models import ApiToken, Asset, GenerativeModel
from moderation import workflow
from tests import generators as g
from tests.api.conftest import bearer
from tests.conftest import provenance

pytestmark = pytest.mark.django_db

WORD = "SECRETPROMPT"
NEGATIVE_WORD = "SECRETNEGATIVE"
PARAM_WORD = "SECRETHASH"
PARAMETERS = (
    f"{WORD} portrait of Jane Q Public at her front door\n"
    f"Negative prompt: {NEGATIVE_WORD} blurry\n"
    "Steps: 28, Sampler: DPM++ 2M, CFG scale: 7, Seed: 987654321, Size: 96x64, "
    f"Model hash: {PARAM_WORD}, Model: private-checkpoint-v2, Version: v1.10.1"
)
WORDS = (WORD, NEGATIVE_WORD, PARAM_WORD)


def upload_and_publish(client, raw_token: str, capture, data: bytes) -> Asset:
    body = {"file": SimpleUploadedFile("a.png", data, "image/png")}
    with capture(execute=True):
        response = client.post("/api/v1/assets", body, **bearer(raw_token))
    assert response.status_code == 201, response.content
    asset = Asset.objects.get(pk=response.json()["id"])
    with capture(execute=True):
        workflow.approve(asset)
    asset.refresh_from_db()
    assert asset.is_public
    return asset


def public_outputs(client, asset: Asset, media_root) -> dict[str, bytes]:
    other = ApiToken.issue("someone-else")[1]
    outputs = {
        url: client.get(url).content
        for url in ["/", f"/images/{asset.pk}/", f"/provenance/{asset.pk}.json"]
    }
    api = client.get(f"/api/v1/assets/{asset.pk}", **bearer(other))
    assert api.status_code == 200 and api.json()["view"] == "public"
    outputs["api (another token)"] = api.content
    variants = list(asset.variants.all())
    assert variants and all(v.status == "ready" for v in variants)
    for v in variants:
        outputs[v.key] = (media_root / "public" / v.key).read_bytes()
    return outputs


def test_an_extracted_private_prompt_is_in_no_public_output(
    client, api_token, media_root, django_capture_on_commit_callbacks
):
    asset = upload_and_publish(
        client, api_token, django_capture_on_commit_callbacks, g.png({"parameters": PARAMETERS})
    )
    prov = asset.provenance
    assert prov.prompt.startswith(WORD) and "prompt" in prov.extracted_fields
    assert not prov.model.prompts_public_by_default and not prov.prompt_is_public
    for where, body in public_outputs(client, asset, media_root).items():
        for word in WORDS:
            assert word.encode() not in body, (word, where)
    for word in WORDS:  # the search page echoes the query: it must not find the asset
        assert str(asset.pk) not in client.get(f"/?q={word}").content.decode(), word
    api = json.loads(
        client.get(f"/api/v1/assets/{asset.pk}", **bearer(ApiToken.issue("x")[1])).content
    )
    assert api["provenance"]["extracted_fields"] is None  # only the owner learns what came
    owner = client.get(f"/api/v1/assets/{asset.pk}", **bearer(api_token)).json()
    assert "prompt" in owner["provenance"]["extracted_fields"]
    assert PARAM_WORD in json.dumps(owner)  # the owner reads its params in full …
    assert "Version: v1.10.1" not in json.dumps(owner)  # … but never the raw chunks


def test_the_control_an_extracted_public_prompt_is_shown(
    client, api_token, media_root, django_capture_on_commit_callbacks
):
    """The same checks see the prompt once the model makes prompts public."""
    GenerativeModel.objects.create(name="private-checkpoint-v2", prompts_public_by_default=True)
    asset = upload_and_publish(
        client, api_token, django_capture_on_commit_callbacks, g.png({"parameters": PARAMETERS})
    )
    outputs = public_outputs(client, asset, media_root)
    assert WORD.encode() in outputs[f"/images/{asset.pk}/"]
    assert WORD.encode() in outputs[f"/provenance/{asset.pk}.json"]
    assert any(WORD.encode() in body for key, body in outputs.items() if key[:1] != "/")
    assert str(asset.pk) in client.get(f"/?q={WORD}").content.decode()
    for where, body in outputs.items():  # still never the negative prompt or parameters
        assert NEGATIVE_WORD.encode() not in body and PARAM_WORD.encode() not in body, where


def test_the_public_record_states_the_composite_source_type_the_file_states(
    client, ingest_now, django_capture_on_commit_callbacks
):
    asset = ingest_now(g.iptc_composite_jpeg(), provenance()).asset
    assert asset.provenance.digital_source_type == c2pa.COMPOSITE
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset)
    record = client.get(f"/provenance/{asset.pk}.json").json()["record"]
    assert record["digital_source_type"] == c2pa.COMPOSITE


def test_the_public_record_says_trained_when_the_file_states_nothing(
    client, ingest_now, django_capture_on_commit_callbacks
):
    asset = ingest_now(g.a1111_png(), provenance()).asset
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset)
    record = client.get(f"/provenance/{asset.pk}.json").json()["record"]
    assert record["digital_source_type"] == c2pa.TRAINED
