"""seed_demo: users, models and images in a spread of states, idempotently."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from aiassets.models import Asset, Collection
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
