"""Structured logs: one JSON object per line, from jobs and moderation decisions."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from moderation import workflow
from ops.logging import JsonFormatter
from tests import images

from .conftest import make_asset

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
CORE = {"timestamp", "level", "logger", "message"}


@contextmanager
def json_lines(logger_name: str) -> Iterator[list[dict]]:
    """Records of ``logger_name`` formatted by JsonFormatter: each must be one JSON line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    parsed: list[dict] = []
    try:
        yield parsed
    finally:
        logger.removeHandler(handler)
        lines = stream.getvalue().splitlines()
        parsed.extend(json.loads(line) for line in lines)


def test_a_record_is_one_line_of_json_with_extras_and_the_exception():
    logger = logging.getLogger("aiassets.test")
    record = logger.makeRecord(
        "aiassets.test",
        logging.ERROR,
        __file__,
        1,
        "build of %s failed\nsecond line",
        ("abc",),
        None,
        extra={"asset_id": "abc", "seconds": 1.5, "path": Path("/x"), "level": "overridden?"},
    )
    try:
        raise ValueError("boom")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert set(data) >= CORE
    assert data["level"] == "ERROR"  # the core fields win over extras of the same name
    assert data["logger"] == "aiassets.test"
    assert data["message"] == "build of abc failed\nsecond line"
    assert data["timestamp"].endswith("Z") and "T" in data["timestamp"]
    assert (data["asset_id"], data["seconds"], data["path"]) == ("abc", 1.5, "/x")
    assert "ValueError: boom" in data["exception"]
    assert "msg" not in data and "args" not in data and "levelno" not in data


def test_a_derivatives_job_logs_structured_fields(ingest_now):
    with json_lines("aiassets") as records:
        asset = ingest_now(images.png(360, 240, seed=81)).asset
    built = [r for r in records if r.get("event") == "variants.built"]
    assert len(built) == 1
    assert set(built[0]) >= CORE
    assert built[0]["logger"] == "aiassets.renditions.build"
    assert built[0]["asset_id"] == str(asset.id)
    assert built[0]["built"] == asset.variants.count() and built[0]["failed"] == 0
    ingested = [r for r in records if r.get("event") == "asset.ingested"]
    assert ingested and ingested[0]["width"] == 360


@pytest.mark.redis
def test_a_record_logged_inside_an_rq_job_names_the_job(rq, ingest_now):
    asset = ingest_now(images.png(360, 240, seed=82)).asset  # enqueued on "derivatives"
    with json_lines("aiassets.renditions.build") as records:
        rq.work("derivatives")
    built = [r for r in records if r.get("event") == "variants.built"]
    assert len(built) == 1
    assert built[0]["job_id"] == f"derivatives-{asset.id}"
    assert built[0]["queue"] == "derivatives"
    assert built[0]["func"] == "aiassets.renditions.jobs.build_variants"


def test_a_moderation_decision_is_one_json_line():
    user = get_user_model().objects.create_superuser("lead", "lead@example.test", "pw")
    asset = make_asset()
    with json_lines("moderation") as records:
        workflow.approve(asset, by=user)
    decisions = [r for r in records if r["logger"] == "moderation.workflow"]
    assert len(decisions) == 1
    assert set(decisions[0]) >= CORE
    assert decisions[0]["level"] == "INFO"
    assert str(asset.id) in decisions[0]["message"] and "approve" in decisions[0]["message"]


def test_settings_choose_the_formatter():
    assert settings.LOGGING["formatters"]["json"]["()"] == "ops.logging.JsonFormatter"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == settings.LOG_FORMAT


def test_log_format_json_configures_every_app_logger(tmp_path):
    """A fresh process with LOG_FORMAT=json writes JSON lines for aiassets, moderation,
    delivery and rq.worker through the configured handler."""
    code = (
        "import django, logging; django.setup()\n"
        "for name in ('aiassets.jobs', 'moderation.workflow', 'delivery.purges', 'rq.worker'):\n"
        "    logging.getLogger(name).info('hello from %s', name, extra={'asset_id': 'a1'})\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_FORMAT": "json",
        "VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert [line["logger"] for line in lines] == [
        "aiassets.jobs",
        "moderation.workflow",
        "delivery.purges",
        "rq.worker",
    ]
    assert all(line["asset_id"] == "a1" and set(line) >= CORE for line in lines)
    assert len(lines) == len(done.stderr.strip().splitlines())  # nothing but JSON
