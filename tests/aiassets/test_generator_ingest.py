"""Dropping a generator's file into the API or the admin fills the provenance with no typing;
hostile metadata never gives a 5xx and nothing is half-stored."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aiassets import validation
from aiassets.models import Asset, Provenance
from tests import generators as g
from tests import images
from tests.aiassets.test_admin import editor, groups, upload_form  # noqa: F401 - fixtures
from tests.api.conftest import bearer, error_of
from tests.conftest import provenance, stored_files

pytestmark = pytest.mark.django_db

EMPTY_FORM = {
    "new_model_name": "",
    "new_model_version": "",
    "prompt": "",
    "seed": "",
    "params": "",
    "generated_at_0": "",
    "generated_at_1": "",
}


@pytest.fixture
def post(client, api_token, django_capture_on_commit_callbacks):
    """post(data, provenance=None|str|dict) → the response (no provenance field for None)."""

    def send(data: bytes, prov=None, token: str = api_token):
        body = {"file": SimpleUploadedFile("upload.png", data, content_type="image/png")}
        if prov is not None:
            body["provenance"] = prov if isinstance(prov, str) else json.dumps(prov)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/assets", body, **bearer(token))

    return send


def assert_filled(prov: Provenance, generator: str) -> None:
    assert prov.prompt == g.PROMPT
    assert prov.negative_prompt == g.NEGATIVE
    assert prov.seed == str(g.SEED)
    assert prov.params.get("sampler") and "steps" in prov.params
    assert prov.model.name and prov.model.name != "Unknown model"
    assert prov.source_platform == generator
    assert {"prompt", "negative_prompt", "seed", "model", "params"} <= set(prov.extracted_fields)
    assert prov.extracted["generator"] == generator
    assert prov.extracted["defaults"] == ["generated_at"]  # marked: the ingest time
    assert prov.embedded_raw  # staff keep the chunks as found


@pytest.mark.parametrize("name", sorted(g.GENERATORS))
@pytest.mark.parametrize("document", [None, "", "{}"])
def test_api_fills_the_provenance_from_the_file(post, client, api_token, name, document):
    make, generator = g.GENERATORS[name]
    response = post(make(), document)
    assert response.status_code == 201, response.content
    asset = Asset.objects.get(pk=response.json()["id"])
    assert_filled(asset.provenance, generator)
    body = client.get(f"/api/v1/assets/{asset.pk}", **bearer(api_token)).json()
    assert body["view"] == "owner"
    assert "prompt" in body["provenance"]["extracted_fields"]
    assert body["provenance"]["prompt"] == g.PROMPT
    assert "embedded_raw" not in json.dumps(body) and "Model hash" not in json.dumps(body)


@pytest.mark.parametrize("name", sorted(g.GENERATORS))
def test_admin_fills_the_provenance_from_the_file(editor, name, django_capture_on_commit_callbacks):  # noqa: F811
    make, generator = g.GENERATORS[name]
    form = upload_form(make(), **EMPTY_FORM)
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post("/admin/aiassets/asset/add/", form)
    assert response.status_code == 302, response.content.decode()[-3000:]
    asset = Asset.objects.get()
    assert_filled(asset.provenance, generator)
    page = editor.get(f"/admin/aiassets/asset/{asset.pk}/change/").content.decode()
    assert "(from the file)" in page and "Generator metadata" in page
    assert "the ingest time" in page


def test_given_values_win_and_the_admin_shows_the_conflict(post, editor):  # noqa: F811
    given = {"prompt": "typed by hand", "params": {"steps": 99}, "model": {"name": "Mine"}}
    response = post(g.a1111_png(), given)
    assert response.status_code == 201, response.content
    prov = Asset.objects.get().provenance
    assert prov.prompt == "typed by hand" and prov.model.name == "Mine"
    assert prov.params["steps"] == 99 and prov.params["sampler"] == "DPM++ 2M"
    assert prov.seed == str(g.SEED) and "seed" in prov.extracted_fields
    fields = {c["field"] for c in prov.extraction_conflicts}
    assert {"prompt", "model", "params.steps"} <= fields
    page = editor.get(f"/admin/aiassets/asset/{prov.asset_id}/change/").content.decode()
    assert "Conflict: prompt" in page and "given (kept): typed by hand" in page


def test_a_complete_document_on_a_plain_file_is_unchanged(post):
    response = post(images.png(120, 80), provenance())
    assert response.status_code == 201
    prov = Asset.objects.get().provenance
    assert prov.extracted_fields == [] and prov.extraction_conflicts == []
    assert prov.extracted == {} and prov.embedded_raw == {}


@pytest.mark.parametrize("document", [None, "{}", json.dumps({"model": {"name": "m"}})])
def test_no_prompt_given_or_in_the_file_is_a_clear_422(post, media_root, document):
    response = post(images.png(120, 80), document)
    assert error_of(response) == (422, "invalid_metadata")
    message = response.json()["error"]["message"]
    assert "prompt" in message and "carries none" in message
    assert Asset.objects.count() == 0 and stored_files(media_root) == []


def test_admin_without_a_prompt_anywhere_is_a_form_error(editor, media_root):  # noqa: F811
    response = editor.post("/admin/aiassets/asset/add/", upload_form(images.png(), **EMPTY_FORM))
    assert response.status_code == 200 and Asset.objects.count() == 0
    assert "the file carries no prompt" in response.content.decode()
    assert stored_files(media_root) == []


# -- hostile metadata --------------------------------------------------------------------------

HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HOSTILE = {
    "truncated_json": g.png({"invokeai_metadata": '{"positive_prompt": "x", "seed": 12'}),
    "ten_mb_text_chunk": g.png({"parameters": "a" * 10_000_000}),
    "html_prompt": g.png({"parameters": g.A1111_PARAMETERS.replace(g.PROMPT, HTML)}),
    "nul_in_text_chunk": g.png({"parameters": g.A1111_PARAMETERS.replace("fox", "fo\x00x")}),
    "nul_in_json": g.comfyui_png(prompt="a fox\u0000"),
    "surrogate_in_json": g.comfyui_png(prompt="a fox\ud800"),
    "deep_workflow": g.png({"prompt": "[" * 100_000 + "]" * 100_000, "workflow": "{}"}),
    "nan_in_json": g.png({"invokeai_metadata": '{"positive_prompt": "x", "cfg_scale": NaN}'}),
    "huge_seed": g.png({"parameters": "a fox\nSteps: 2, Seed: " + "9" * 5000}),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("given", [False, True])
def test_hostile_metadata_never_gives_a_5xx(post, media_root, name, given):
    response = post(HOSTILE[name], provenance() if given else None)
    assert response.status_code in (201, 422), response.content[:500]
    if response.status_code == 422:
        assert error_of(response) == (422, "invalid_metadata")
        assert not given and Asset.objects.count() == 0 and stored_files(media_root) == []
        return
    prov = Asset.objects.get().provenance
    stored = [prov.prompt, prov.extracted, prov.embedded_raw, prov.params, prov.extracted_fields]
    assert all(validation.text_problem(text) is None for text in texts(stored))
    if given:
        assert prov.prompt == provenance()["prompt"]


def texts(value) -> list[str]:
    """Every key and string in a JSON-like value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in [k, *texts(v)]]
    if isinstance(value, list):
        return [t for v in value for t in texts(v)]
    return []


def test_an_html_prompt_is_stored_as_text_and_escaped_in_the_admin(post, editor):  # noqa: F811
    assert post(HOSTILE["html_prompt"]).status_code == 201
    prov = Asset.objects.get().provenance
    assert prov.prompt == HTML
    page = editor.get(f"/admin/aiassets/asset/{prov.asset_id}/change/").content.decode()
    assert "&lt;script&gt;" in page and HTML not in page


def test_oversized_and_deep_chunks_are_warned_about(post):
    assert post(HOSTILE["ten_mb_text_chunk"], provenance()).status_code == 201
    warnings = Asset.objects.get().provenance.extracted["warnings"]
    assert any("too large" in w for w in warnings)
