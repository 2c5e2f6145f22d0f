"""Generator metadata read from the file: each tool's format, and hostile metadata."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from aiassets.imaging import embedded
from tests import generators as g


def read(data: bytes) -> embedded.Embedded:
    im = Image.open(io.BytesIO(data))
    im.load()
    return embedded.extract(im)


@pytest.mark.parametrize("name", sorted(g.GENERATORS))
def test_each_generator_format_fills_prompt_seed_and_sampler(name):
    make, generator = g.GENERATORS[name]
    found = read(make())
    assert found.generator == generator
    assert found.prompt == g.PROMPT
    assert found.negative_prompt == g.NEGATIVE
    assert found.seed == g.SEED
    assert found.model_name
    assert found.params["sampler"]
    assert "steps" in found.params and "cfg_scale" in found.params
    assert not found.warnings


def test_a1111_keeps_model_hash_and_scheduler():
    found = read(g.a1111_png())
    assert found.model_name == "v1-5-pruned-emaonly"
    assert found.params["model_hash"] == "6ce0161689"
    assert found.params["scheduler"] == "Karras"


def test_comfyui_reads_the_prompt_graph():
    found = read(g.comfyui_png())
    assert found.model_name == "sd_xl_base_1.0.safetensors"
    assert found.params["sampler"] == "euler"
    assert "prompt" in found.raw and "workflow" in found.raw  # staff keep the full graph


def test_midjourney_style_jpeg_reads_exif_and_xmp_description():
    found = read(g.midjourney_jpeg())
    assert found.prompt.startswith(g.PROMPT)
    assert found.digital_source_type == g.TRAINED
    assert found.generator == ""


def test_iptc_composite_source_type_is_kept():
    found = read(g.iptc_composite_jpeg())
    assert found.digital_source_type == g.COMPOSITE
    assert found.software == "Photo editor with generative fill"


def test_novelai_xmp_states_trained_source_type():
    assert read(g.novelai_png()).digital_source_type == g.TRAINED


def test_a_plain_image_has_nothing():
    found = read(g.png({}))
    assert not found.found and found.facts() == {}


def test_unknown_source_type_uris_are_dropped():
    found = read(g.jpeg(xmp=g.xmp_packet(source_type="javascript:alert(1)")))
    assert found.digital_source_type == ""


HOSTILE = {
    "truncated_json": g.png({"invokeai_metadata": '{"positive_prompt": "x", "seed": 12'}),
    "ten_mb_chunk": g.png({"parameters": "a" * 10_000_000}),
    "deep_workflow": g.png({"prompt": "[" * 100_000 + "]" * 100_000, "workflow": "{}"}),
    "deep_comment": g.png({"Comment": "[" * 5000 + "]" * 5000, "Description": "x"}),
    "not_json": g.png({"prompt": "not json", "workflow": "also not"}),
    "xml_bomb": g.jpeg(
        xmp='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<x>&b;</x>"
    ),
    "bad_user_comment": g.jpeg(user_comment="Steps: x, Seed: 99999999999999999999999999"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_metadata_never_raises(name):
    found = read(HOSTILE[name])
    assert found.seed is None or isinstance(found.seed, int)
    json.dumps(found.facts())  # always storable as JSON


def test_oversized_chunks_are_reported_not_parsed():
    found = read(HOSTILE["ten_mb_chunk"])
    assert found.prompt == ""
    assert any("too large" in w for w in found.warnings)


def test_deep_json_is_refused_before_parsing():
    found = read(HOSTILE["deep_workflow"])
    assert any("nested too deeply" in w for w in found.warnings)


def test_html_prompt_is_kept_as_text():
    params = g.A1111_PARAMETERS.replace("a red fox", "<script>alert(1)</script> a red fox")
    found = read(g.png({"parameters": params}))
    assert found.prompt.startswith("<script>alert(1)</script>")  # escaped where it is shown


def test_nul_bytes_are_removed():
    found = read(g.png({"parameters": g.A1111_PARAMETERS.replace("fox", "fo\x00x")}))
    assert "\x00" not in found.prompt and "fox" in found.prompt
    assert all("\x00" not in v for v in found.raw.values())


def test_raw_chunks_are_capped():
    long = g.A1111_PARAMETERS + ", Extra: " + "z" * 200_000
    found = read(g.png({"parameters": long}))
    assert len(found.raw["parameters"]) == embedded.MAX_RAW_CHARS


@pytest.mark.parametrize("text", ["UNICODE\x00", b"ASCII\x00\x00\x00hello", b"short", None, 12])
def test_user_comment_decoding_tolerates_junk(text):
    assert isinstance(embedded.decode_user_comment(text), str)


def test_json_depth_counts_without_parsing():
    assert embedded.json_depth('{"a": [1, {"b": "[[[["}]}') == 3
    assert embedded.json_depth("[" * 1000, limit=10) == 11
