"""aiassets.validation: what the database can store, refused before any write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from aiassets import validation
from aiassets.validation import Limits, ValidationError


@pytest.mark.parametrize(
    "text,code,needle",
    [
        ('{"a": NaN}', "invalid_metadata", "NaN"),
        ('{"a": -Infinity}', "invalid_metadata", "Infinity"),
        ('{"a": 1e999}', "invalid_metadata", "too large"),
        ('{"a": ' + "1" * 41 + "}", "invalid_metadata", "41 digits"),
        ('{"a": -' + "1" * 5001 + "}", "invalid_metadata", "5,001 digits"),
        ("[" * 100_000 + "]" * 100_000, "invalid_metadata", "nested too deeply"),
        ('{"a": ', "invalid_json", "not valid JSON"),
        (b'{"a": "\xff"}', "invalid_json", "not UTF-8"),
    ],
)
def test_loads_refuses_what_cannot_be_stored(text, code, needle):
    with pytest.raises(ValidationError) as err:
        validation.loads(text, "params")
    assert err.value.code == code and needle in err.value.message
    assert err.value.field == "params"


def test_loads_accepts_ordinary_json_and_40_digit_integers():
    assert validation.loads('{"a": [1, 2.5, "x", null, true], "b": ' + "9" * 40 + "}") == {
        "a": [1, 2.5, "x", None, True],
        "b": int("9" * 40),
    }


def test_loads_size_limit_is_too_large():
    with pytest.raises(ValidationError) as err:
        validation.loads("[" + "1," * 100 + "1]", "provenance", max_bytes=100)
    assert err.value.code == "too_large" and err.value.status == 413


@pytest.mark.parametrize(
    "params,field",
    [
        ({"a": "x\x00"}, "params.a"),
        ({"a\x00": 1}, "params"),
        ({"a": ["ok", "\udc80"]}, "params.a[1]"),
        ({"\ud800": 1}, "params"),
        ({"a": float("nan")}, "params.a"),
        ({"a": float("inf")}, "params.a"),
        ({"a": 10**60}, "params.a"),
        ({"a": object()}, "params.a"),
        ({1: "non-text key"}, "params"),
    ],
)
def test_check_provenance_names_the_field(params, field):
    with pytest.raises(ValidationError) as err:
        validation.check_provenance({"params": params}, Limits())
    assert err.value.code == "invalid_metadata"
    assert err.value.field == field


def test_params_depth_and_size_limits():
    deep = {}
    node = deep
    for _ in range(19):
        node["n"] = {}
        node = node["n"]
    validation.check_provenance({"params": deep}, Limits(params_depth=20))
    node["n"] = {}
    with pytest.raises(ValidationError, match="more than 20 levels"):
        validation.check_provenance({"params": deep}, Limits(params_depth=20))
    with pytest.raises(ValidationError, match="the limit is 100"):
        validation.check_provenance({"params": {"b": "x" * 200}}, Limits(params_bytes=100))


def test_a_3000_deep_value_is_walked_without_recursion():
    value: list = []
    for _ in range(3000):
        value = [value]
    with pytest.raises(ValidationError, match="levels deep"):
        validation.check_provenance({"params": {"a": value}}, Limits())
    with pytest.raises(ValidationError, match="levels deep"):
        validation.check_provenance({"other": value}, Limits())


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-14))),
    ],
)
def test_datetimes_outside_what_databases_hold(value):
    with pytest.raises(ValueError, match="years 1 to 9999"):
        validation.check_datetime(value)


def test_naive_datetimes_are_utc():
    assert validation.check_datetime(datetime(2026, 1, 1)).tzinfo is UTC


def test_storable_text_replaces_only_what_cannot_be_stored():
    assert validation.storable_text("a?b.png") == "a?b.png"
    assert validation.storable_text("a\x00b\udcff.png") == "a\ufffdb\ufffd.png"
