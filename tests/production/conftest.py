"""Fixtures for the production-shape tests: a shared C2PA signer and API tokens."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import need


@pytest.fixture(scope="session")
def shared_signer(tmp_path_factory) -> Path:
    """A C2PA signer configured by explicit paths (C2PA_SIGNER_KEY/CHAIN), as production
    does: the same files on every host."""
    from aiassets.c2pa import make_dev_chain

    return make_dev_chain(tmp_path_factory.mktemp("shared-signer")).directory


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        need("PostgreSQL", "set DATABASE_URL=postgres://… to run the production-shape tests")


@pytest.fixture
def token(transactional_db) -> str:
    from aiassets.models import ApiToken

    return ApiToken.issue("production-test")[1]


@pytest.fixture(autouse=True)
def _quiet_moto():
    """moto's server logs every request at INFO in this process, beside the load generator."""
    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)
