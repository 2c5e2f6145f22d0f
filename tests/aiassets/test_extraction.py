"""The merge rules (aiassets.extraction), without the database: given wins, the file fills the
gaps, conflicts are recorded, defaults are marked, refused file values are dropped."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from aiassets import extraction, imaging, validation
from aiassets.schemas import ProvenanceGiven
from tests import generators as g

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def found_in(data: bytes) -> imaging.Embedded:
    im = Image.open(io.BytesIO(data))
    im.load()
    return imaging.extract_embedded(im)


def resolve(given: dict, data: bytes, manifest: dict | None = None):
    return extraction.resolve(
        ProvenanceGiven.model_validate(given).given(), found_in(data), manifest or {}, NOW
    )


def test_an_empty_document_is_filled_from_the_file():
    prov, out = resolve({}, g.a1111_png())
    assert prov.prompt == g.PROMPT and prov.negative_prompt == g.NEGATIVE
    assert prov.seed == g.SEED and prov.model.name == "v1-5-pruned-emaonly"
    assert prov.params["steps"] == "28" or prov.params["steps"] == 28
    assert prov.generated_at == NOW and prov.source.platform == "AUTOMATIC1111"
    assert set(out.fields) >= {"prompt", "negative_prompt", "seed", "model", "params"}
    assert out.facts["defaults"] == ["generated_at"]
    assert out.conflicts == []
    assert "parameters" in out.raw


def test_given_values_win_and_conflicts_are_recorded():
    given = {
        "prompt": "what the API said",
        "model": {"name": "Given Model", "version": "2"},
        "params": {"steps": 50, "mine": True},
        "generated_at": "2026-11-01T00:00:00Z",
    }
    prov, out = resolve(given, g.a1111_png())
    assert prov.prompt == "what the API said" and prov.model.name == "Given Model"
    assert prov.params["steps"] == 50 and prov.params["mine"] is True
    assert prov.params["sampler"] == "DPM++ 2M"  # the gap filled from the file
    assert prov.seed == g.SEED and prov.generated_at.year == 2026
    conflicts = {c["field"]: c for c in out.conflicts}
    assert conflicts["prompt"] == {
        "field": "prompt",
        "given": "what the API said",
        "file": g.PROMPT,
    }
    assert conflicts["model"]["file"] == "v1-5-pruned-emaonly"
    assert conflicts["params.steps"]["given"] == 50
    assert "prompt" not in out.fields and "model" not in out.fields
    assert "params" in out.fields and "defaults" not in out.facts


def test_without_a_prompt_in_the_file_the_document_must_be_complete():
    with pytest.raises(validation.ValidationError) as err:
        resolve({"model": {"name": "x"}, "generated_at": "2026-11-01T00:00:00Z"}, g.png({}))
    assert err.value.field == "prompt"
    assert "prompt" in err.value.message and "carries none" in err.value.message
    with pytest.raises(validation.ValidationError) as err:  # no defaults without the file's
        resolve({"prompt": "typed"}, g.png({}))
    assert "model" in err.value.message and "generated_at" in err.value.message


def test_model_falls_back_to_a_named_placeholder():
    params = "a castle\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 96x64"
    prov, out = resolve({}, g.png({"parameters": params}))
    assert prov.model.name == extraction.FALLBACK_MODEL == "Unknown model"
    assert set(out.facts["defaults"]) == {"model", "generated_at"}


def test_a_valid_manifest_counts_as_given_over_the_xmp():
    manifest = {"software_agent": "Image Maker 3", "digital_source_type": g.COMPOSITE}
    prov, out = resolve({"prompt": "p"}, g.novelai_png(), manifest)
    assert out.digital_source_type == g.COMPOSITE
    assert prov.model.name == "Image Maker 3"  # the manifest's agent before the chunks' model
    assert any(c["field"] == "digital_source_type" for c in out.conflicts)
    assert out.facts["c2pa"] == manifest


def test_the_iptc_source_type_is_stored():
    given = {"prompt": "p", "model": {"name": "m"}, "generated_at": "2026-11-01T00:00:00Z"}
    _, out = resolve(given, g.iptc_composite_jpeg())
    assert out.digital_source_type == g.COMPOSITE


@pytest.mark.parametrize(
    "graph_prompt,why",
    [("a cat\u0000", "NUL"), ("a cat\ud800", "surrogate"), ("p" * 20_001, "20000")],
)
def test_a_file_value_the_database_refuses_is_dropped_not_stored(graph_prompt, why):
    data = g.comfyui_png(prompt=graph_prompt)
    prov, out = resolve({"prompt": "given"}, data)  # given wins; the file's is a conflict
    assert prov.prompt == "given"
    stored = next(c for c in out.conflicts if c["field"] == "prompt")["file"]
    assert validation.text_problem(stored) is None
    with pytest.raises(validation.ValidationError) as err:  # nothing else gives a prompt
        resolve({}, data)
    assert err.value.field == "prompt" and err.value.code == "invalid_metadata"
    assert "could not be used" in err.value.message


def test_file_params_the_limits_refuse_are_dropped_with_a_warning():
    inputs = {f"extra{i}": "x" * 900 for i in range(80)}  # 72 kB: over the params limit
    prov, out = resolve({"params": {"mine": 1}}, g.comfyui_png(sampler_inputs=inputs))
    assert prov.prompt == g.PROMPT
    assert "params" not in out.fields and prov.params == {"mine": 1}  # what was given stays
    assert any("params" in w for w in out.facts["warnings"])


def test_raw_chunks_are_capped_in_total():
    chunks = {k: "y" * 60_000 for k in ("parameters", "Comment", "Description", "Title", "Source")}
    given = {"prompt": "p", "model": {"name": "m"}, "generated_at": "2026-11-01T00:00:00Z"}
    _, out = resolve(given, g.png(chunks))
    assert sum(len(v) for v in out.raw.values()) <= extraction.MAX_RAW_TOTAL_CHARS + 100


@pytest.mark.parametrize("name", ["bad\u0000name", "bad\ud800name"])
def test_a_refused_file_model_name_falls_back_to_the_placeholder(name):
    prov, out = resolve({}, g.invokeai_png(model_name=name))
    assert prov.prompt == g.PROMPT
    assert prov.model.name == extraction.FALLBACK_MODEL and "model" in out.facts["defaults"]
    assert "model" not in out.fields and any("model" in w for w in out.facts["warnings"])
