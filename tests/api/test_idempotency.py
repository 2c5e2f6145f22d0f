"""Idempotency-Key on POST /api/v1/assets: same key and body, same answer; other body, 409."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aiassets.models import Asset
from api.models import IdempotentAnswer
from tests import images
from tests.api.conftest import bearer, error_of
from tests.conftest import provenance

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(raw, key, data, **prov):
        body = {
            "file": SimpleUploadedFile("a.png", data, "image/png"),
            "provenance": json.dumps(provenance(**prov)),
        }
        headers = bearer(raw) | ({"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {})
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/assets", body, **headers)

    return send


def test_same_key_same_body_same_answer(post, token):
    raw, data = token("gen"), images.png(300, 200, seed=1)
    first = post(raw, "upload-1", data)
    again = post(raw, "upload-1", data)
    assert first.status_code == again.status_code == 201, "the first answer, replayed"
    assert first.json() == again.json()
    assert post(raw, None, data).status_code == 200, "without the key: the duplicate answer"


def test_same_key_other_body_is_409_and_stores_nothing(post, token):
    raw = token("gen")
    assert post(raw, "k", images.png(300, 200, seed=1)).status_code == 201
    response = post(raw, "k", images.png(300, 200, seed=2))
    assert error_of(response) == (409, "idempotency_conflict")
    assert error_of(post(raw, "k", images.png(300, 200, seed=1), prompt="other")) == (
        409,
        "idempotency_conflict",
    )
    assert Asset.objects.count() == 1


def test_keys_are_per_token_and_expire(post, token):
    one, two = token("one"), token("two")
    assert post(one, "k", images.png(300, 200, seed=1)).status_code == 201
    assert post(two, "k", images.png(300, 200, seed=2)).status_code == 201
    IdempotentAnswer.objects.update(
        created_at=IdempotentAnswer.objects.first().created_at - timedelta(hours=25)
    )
    assert post(one, "k", images.png(300, 200, seed=3)).status_code == 201


def test_a_refused_upload_is_not_remembered(post, token):
    raw = token("gen")
    assert error_of(post(raw, "k", b"not an image"))[0] == 415
    assert post(raw, "k", images.png(300, 200, seed=1)).status_code == 201


@pytest.mark.parametrize("key", ["x" * 201, "caf\u00e9"])
def test_bad_keys_are_400(post, token, key):
    response = post(token("gen"), key, images.png(300, 200, seed=1))
    assert error_of(response) == (400, "bad_request")
