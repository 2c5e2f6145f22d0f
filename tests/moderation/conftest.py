"""Fixtures for moderation: users in each group, assets in any state, restricted models."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from aiassets.groups import ensure_groups
from aiassets.models import Asset, GenerativeModel, Provenance
from moderation.permissions import grant_moderator_permissions
from tests.conftest import provenance

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _moderation_settings(settings):
    settings.MODERATION_RETRY_INTERVALS = []
    # Moderation needs a variant to show, not the whole set: one small JPEG keeps tests fast.
    settings.DERIVATIVE_WIDTHS = [320]
    settings.DERIVATIVE_FORMATS = {"jpeg": {"quality": 82}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users
    settings.MODERATION_TAKEDOWN_RATE = "5/h"
    cache.clear()  # rate-limit counters
    yield
    cache.clear()


@pytest.fixture
def groups(db) -> dict[str, Group]:
    ensure_groups()
    grant_moderator_permissions()
    return {g.name: g for g in Group.objects.all()}


@pytest.fixture
def make_user(groups) -> Callable[..., User]:
    def make(name: str, group: str | None = None, superuser: bool = False) -> User:
        user = User.objects.create_user(
            name, password="pw-" + name, is_staff=True, is_superuser=superuser
        )
        if group:
            user.groups.add(groups[group])
        return user

    return make


@pytest.fixture
def moderator(make_user) -> User:
    return make_user("mod", "moderators")


@pytest.fixture
def moderator2(make_user) -> User:
    return make_user("mod2", "moderators")


@pytest.fixture
def editor(make_user) -> User:
    return make_user("ed", "editors")


@pytest.fixture
def superuser(make_user) -> User:
    return make_user("root", superuser=True)


@pytest.fixture
def make_asset(db) -> Callable[..., Asset]:
    """A bare Asset row in any state (no file, no variants): fast, for workflow tests."""

    def make(
        status: str = "pending",
        published: bool = False,
        uploaded_by: User | None = None,
        with_provenance: bool = True,
        **fields,
    ) -> Asset:
        n = next(_counter)
        digest = hashlib.sha256(f"asset-{n}".encode()).hexdigest()
        row = {
            "sha256": digest,
            "original_key": f"originals/x/{digest}.png",
            "format": "PNG",
            "mime_type": "image/png",
            "width": 640,
            "height": 480,
            "bytes": 1000,
            "phash": digest[:16],
            "moderation_status": status,
            "published": published,
            "uploaded_by": uploaded_by,
        }
        asset = Asset.objects.create(**{**row, **fields})
        if with_provenance:
            model, _ = GenerativeModel.objects.get_or_create(name="Test Diffusion", version="1.0")
            Provenance.objects.create(
                asset=asset,
                model=model,
                prompt="a lighthouse",
                generated_at="2026-11-01T12:00:00Z",
            )
        return asset

    return make


@pytest.fixture
def restricted_model(db) -> GenerativeModel:
    """A model whose licence restricts public use: its assets always go to human review."""
    return GenerativeModel.objects.create(
        name="Editorial Diffusion", version="2", licence="Editorial only", restricts_public_use=True
    )


def restricted_provenance(**overrides) -> dict:
    return provenance(model={"name": "Editorial Diffusion", "version": "2"}, **overrides)


@pytest.fixture
def ingest_for_review(ingest_now, restricted_model):
    """Ingest (with derivatives and classification run) an image that lands in review."""

    def run(data: bytes, **kwargs) -> Asset:
        prov = restricted_provenance(**kwargs.pop("prov", {}))
        asset = ingest_now(data, prov, **kwargs).asset
        asset.refresh_from_db()
        assert asset.moderation_status == "in_review", asset.decisions.first()
        return asset

    return run
