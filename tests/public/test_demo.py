"""seed_demo: users, models and images in a spread of states, idempotently."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from aiassets import synth
from aiassets.models import Asset, Collection, Provenance
from moderation.models import Decision

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_seed_demo_spreads_states_and_is_idempotent(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        out = run("seed_demo", "--count", "12", "--no-progress")
    assert "12 new" in out
    states = Counter(Asset.objects.values_list("moderation_status", flat=True))
    assert states == {"approved": 8, "in_review": 2, "rejected": 1, "taken_down": 1}
    assert Asset.objects.filter(moderation_status="approved", published=True).count() == 8
    assert Decision.objects.filter(note__startswith="Demo data").count() >= 4
    assert (
        not Asset.objects.exclude(variants__status="ready").filter(variants__isnull=True).exists()
    )

    assert not Asset.objects.filter(tagged_items__isnull=True).exists(), "every image is tagged"
    assert Collection.objects.get(slug="editors-picks").assets.count() == 3  # 0, 5, 10
    demo = [p.params["demo"] for p in Provenance.objects.all()]
    photos = [done for done in demo if "source_photo" in done]
    assert len(photos) == 10, "images 3 and 11 are code-made art (3 of every 8), the rest photos"
    assert all(p["source_photo"].startswith("scikit-image") and p["credit"] for p in photos)
    assert len(set(Asset.objects.values_list("phash", flat=True))) >= 10

    again = run("seed_demo", "--count", "12", "--no-progress")
    assert "0 new, 12 already present" in again
    assert Counter(Asset.objects.values_list("moderation_status", flat=True)) == states

    password = (tmp_path / "demo-password.txt").read_text().strip()
    assert password in out
    assert authenticate(username="admin", password=password).is_superuser
    assert authenticate(username="editor", password=password).groups.filter(name="editors").exists()
    assert (
        authenticate(username="moderator", password=password)
        .groups.filter(name="moderators")
        .exists()
    )


def test_demo_photographs_are_distinct_and_read_offline(monkeypatch):
    """From the files inside the installed wheel: no fetcher, no network (sockets refused)."""
    import socket

    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    made = [synth.photograph(i) for i in range(len(synth.PHOTOS) * 3)]
    assert all(m is not None for m in made), "scikit-image's bundled photographs are missing"
    data = {synth.encode(image) for image, _ in made}
    assert len(data) == len(made)
    assert {done["source_photo"] for _, done in made} == {
        f"scikit-image sample data: {p.file}" for p in synth.PHOTOS
    }
    assert all(max(image.size) == 1024 for image, _ in made)
