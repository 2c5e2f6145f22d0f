"""Who may scrape /metrics: token, IP allowlist, both, neither."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-" + "k" * 32


def get(client, token: str | None = None, addr: str = "127.0.0.1", scheme: str = "Bearer"):
    headers = {"REMOTE_ADDR": addr}
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"{scheme} {token}"
    return client.get("/metrics", **headers)


def assert_refused(response, status: int) -> None:
    assert response.status_code == status
    body = response.content.decode()
    assert "aiassets_" not in body and "python_" not in body and TOKEN not in body
    assert "no-store" in response["Cache-Control"]


def test_with_nothing_configured_everyone_is_refused(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert_refused(get(client), 403)
    assert_refused(get(client, TOKEN), 403)
    assert_refused(get(client, "", addr="127.0.0.1"), 403)


def test_token_is_required_and_must_match(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []
    missing = get(client)
    assert_refused(missing, 401)
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert_refused(get(client, "wrong"), 401)
    assert_refused(get(client, TOKEN + "x"), 401)
    assert_refused(get(client, TOKEN[:-1]), 401)
    assert_refused(get(client, TOKEN, scheme="Basic"), 401)
    assert_refused(get(client, ""), 401)

    ok = get(client, TOKEN, addr="203.0.113.9")  # any address when only the token is set
    assert ok.status_code == 200
    assert ok["Content-Type"].startswith("text/plain")
    assert "no-cache" in ok["Cache-Control"]
    assert b"aiassets_ingests_total" in ok.content or b"aiassets_variants" in ok.content


def test_ip_allowlist_alone(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
    assert_refused(get(client, addr="203.0.113.9"), 403)
    assert_refused(get(client, addr="192.0.2.8"), 403)
    assert_refused(get(client, addr="not-an-ip"), 403)
    assert get(client, addr="10.20.30.40").status_code == 200
    assert get(client, addr="192.0.2.7").status_code == 200
    assert get(client, addr="2001:db8::1").status_code == 200
    assert get(client, addr="::ffff:10.1.1.1").status_code == 200  # IPv4-mapped


def test_with_both_set_both_must_pass(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert_refused(get(client, TOKEN, addr="203.0.113.9"), 403)  # right token, wrong network
    assert_refused(get(client, addr="10.0.0.5"), 401)  # right network, no token
    assert_refused(get(client, "wrong", addr="10.0.0.5"), 401)
    assert get(client, TOKEN, addr="10.0.0.5").status_code == 200


def test_invalid_allowlist_entries_never_widen_access(client, settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = ["not-a-network"]
    assert_refused(get(client, TOKEN), 403)
    errors = [m for m in run_checks() if m.id == "ops.E001"]
    assert len(errors) == 1 and "not-a-network" in errors[0].msg


def test_only_get(client, settings):
    settings.METRICS_TOKEN = TOKEN
    response = client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


def test_deploy_checks_name_an_open_or_weak_setup(settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "ops.I001" in ids
    settings.METRICS_TOKEN = "short"
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert "ops.W001" in ids and "ops.I001" not in ids
    settings.METRICS_TOKEN = TOKEN
    ids = {m.id for m in run_checks(include_deployment_checks=True)}
    assert not {"ops.W001", "ops.I001"} & ids
