"""Every hostile input through every channel: the right coded refusal, never a 5xx, and
nothing left behind (no row, no file), on PostgreSQL (CI) as on SQLite."""

from __future__ import annotations

import json

import pytest

from aiassets.errors import STATUS_BY_CODE
from aiassets.models import Asset, GenerativeModel, Provenance, Variant
from tests.conftest import provenance, stored_files
from tests.hostile import channels, corpus

pytestmark = [pytest.mark.hostile, pytest.mark.django_db]

CASES = corpus.cases()
PARAMS = [
    pytest.param(case, channel, id=f"{channel}-{case.name}")
    for case in CASES
    for channel in case.channels
]


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 60
    assert len({c.name for c in CASES if c.name.startswith("pillow_")}) >= 10


@pytest.fixture
def staff_client(client, django_user_model):
    """A superuser logged in without hashing a password (admin_client hashes one: slow)."""
    user = django_user_model.objects.create(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def submit(channel: str, request, data: bytes, prov, form: dict, manifest: dict, tmp_path):
    if channel == "api":
        token = request.getfixturevalue("api_token")
        return channels.submit_api(request.getfixturevalue("client"), token, data, prov)
    if channel == "admin":
        return channels.submit_admin(request.getfixturevalue("staff_client"), data, form)
    return channels.submit_import(tmp_path / "in", data, prov, manifest)


def assert_nothing_left(media_root) -> None:
    assert Asset.objects.count() == 0
    assert Provenance.objects.count() == 0
    assert Variant.objects.count() == 0
    assert GenerativeModel.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.parametrize("case,channel", PARAMS)
def test_refused_with_its_code_and_nothing_left(case, channel, request, media_root, tmp_path):
    data, prov = case.file_bytes(), case.prov_text()
    answer = submit(channel, request, data, prov, case.form, case.manifest, tmp_path)
    if channel == "api":
        assert (answer.status, answer.code) == (STATUS_BY_CODE[case.code], case.code), answer.text
    elif channel == "admin":
        assert answer.status == 200, answer.text[:500]
        assert "errornote" in answer.text
        assert (case.admin_needle or f"({case.code})") in answer.text
    else:
        assert (answer.status, answer.code) == (1, case.code), answer.text
    assert_nothing_left(media_root)


TRICKY = corpus.accepted_tricky()


@pytest.mark.parametrize("name", sorted(TRICKY))
@pytest.mark.parametrize("channel", corpus.CHANNELS)
def test_odd_but_valid_files_are_accepted(name, channel, request, tmp_path):
    answer = submit(channel, request, TRICKY[name], json.dumps(provenance()), {}, {}, tmp_path)
    expected = {"api": 201, "admin": 302, "import": 0}[channel]
    assert answer.status == expected, answer.text[:2000]
    asset = Asset.objects.get()
    assert asset.format in ("PNG", "JPEG", "WEBP", "AVIF")
