"""verify_image and the admin verify page show the file's generator metadata beside the C2PA
verdict (escaped: it is untrusted text)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests import generators as g

pytestmark = pytest.mark.django_db

HTML = "<b>bold</b> a red fox"


def verify_image(path, *extra) -> tuple[int, str]:
    buf = StringIO()
    try:
        call_command("verify_image", str(path), *extra, stdout=buf)
    except SystemExit as exc:
        return int(exc.code), buf.getvalue()
    return 0, buf.getvalue()


def test_verify_image_prints_the_generator_facts(tmp_path):
    path = tmp_path / "comfy.png"
    path.write_bytes(g.comfyui_png())
    code, out = verify_image(path)
    assert code == 1 and "Verdict: unknown" in out
    assert "Generator metadata (from the file):" in out
    assert "generator: ComfyUI" in out and "sd_xl_base_1.0.safetensors" in out
    code, out = verify_image(path, "--json")
    facts = json.loads(out)["generator_metadata"]
    assert facts["generator"] == "ComfyUI" and facts["seed"] == g.SEED


def test_verify_image_says_when_the_file_has_none(tmp_path):
    path = tmp_path / "plain.png"
    path.write_bytes(g.png({}))
    assert "Generator metadata: none in the file" in verify_image(path)[1]


def test_admin_verify_page_shows_the_facts_escaped(admin_client):
    data = g.png({"parameters": g.A1111_PARAMETERS.replace(g.PROMPT, HTML)})
    upload = SimpleUploadedFile("a.png", data)
    html = admin_client.post("/admin/aiassets/asset/verify/", {"file": upload}).content.decode()
    assert 'id="generator-metadata"' in html and "AUTOMATIC1111" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and HTML not in html
    assert "Not recognised" in html


def test_a_valid_incoming_manifest_names_the_model_and_source_type(
    client, foreign_chain, django_capture_on_commit_callbacks
):
    """The manifest counts as given: its generator fills the model, its composite source type
    is stored and published (the file's A1111 chunk still gives the prompt)."""
    from aiassets import c2pa
    from aiassets.ingest import ingest
    from moderation import workflow

    from .conftest import sign_as_rich_generator

    signed = sign_as_rich_generator(
        g.a1111_png(), "image/png", foreign_chain, prompt="x", thumbnail=g.jpeg(),
        source_type=c2pa.COMPOSITE,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        asset = ingest(signed, None).asset  # no provenance at all
    prov = asset.provenance
    assert prov.c2pa_state == c2pa.VALID
    assert prov.model.name == "ChattyGen" and "model" in prov.extracted_fields
    assert prov.prompt == g.PROMPT and prov.digital_source_type == c2pa.COMPOSITE
    assert prov.extracted["c2pa"]["software_agent"] == "ChattyGen"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(asset)
    record = client.get(f"/provenance/{asset.pk}.json").json()["record"]
    assert record["digital_source_type"] == c2pa.COMPOSITE
