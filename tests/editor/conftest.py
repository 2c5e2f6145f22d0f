"""Fixtures for the editor's asset page: moderation's users and bare assets, reused."""

from __future__ import annotations

import pytest

from tests.moderation.conftest import (  # noqa: F401  (fixtures)
    editor,
    groups,
    make_asset,
    make_user,
    moderator,
    superuser,
)


@pytest.fixture(autouse=True)
def _fast_users(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def change_url(asset) -> str:
    return f"/admin/aiassets/asset/{asset.pk}/change/"
