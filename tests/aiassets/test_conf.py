"""App settings: defaults in each app's conf.py, overridable, reset on setting_changed."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.test import override_settings

from aiassets import conf
from aiassets.conf import AppSettings


def test_a_setting_falls_back_to_its_default_and_follows_overrides():
    app = AppSettings({"H6_EXAMPLE_LIMIT": 5})
    assert app.H6_EXAMPLE_LIMIT == 5
    with override_settings(H6_EXAMPLE_LIMIT=7):
        assert app.H6_EXAMPLE_LIMIT == 7 and app.get("H6_EXAMPLE_LIMIT") == 7
    assert app.H6_EXAMPLE_LIMIT == 5


def test_unknown_names_are_attribute_errors():
    app = AppSettings({"H6_EXAMPLE_LIMIT": 5})
    try:
        app.NOT_OURS  # noqa: B018
    except AttributeError as exc:
        assert "NOT_OURS" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_defaults_are_installed_for_direct_settings_reads(settings):
    set_by_tests = {"DERIVATIVE_WIDTHS", "DERIVATIVE_PRECOMPUTE"}  # tests/conftest.py _isolated
    for name, value in conf.DEFAULTS.items():
        if name not in set_by_tests:
            assert getattr(django_settings, name) == value or name in _from_environment()
    settings.INGEST_MAX_BYTES = 10
    assert conf.app_settings.INGEST_MAX_BYTES == 10
    AppSettings({"INGEST_MAX_BYTES": 1}).install_defaults()
    assert django_settings.INGEST_MAX_BYTES == 10, "a set value is never replaced"


# tests/conftest.py's autouse fixture sets these for every test (small widths, no crops).
TEST_SESSION_VALUES = {
    "DERIVATIVE_WIDTHS",
    "DERIVATIVE_RATIOS",
    "SOCIAL_CARD_WIDTH",
    "DERIVATIVE_RETRY_INTERVALS",
}


def _from_environment() -> set[str]:
    """Names given a value elsewhere: by the environment, by config/settings.py itself (its
    development switches such as C2PA_DEV_CREDENTIALS) or by the test session."""
    import os

    import config.settings as settings_module

    return {
        name
        for name in conf.DEFAULTS
        if name in os.environ or hasattr(settings_module, name) or name in TEST_SESSION_VALUES
    }
