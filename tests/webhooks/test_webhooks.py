"""Webhooks to a real HTTP receiver on a loopback port: signatures, every event type, retries
through failures and timeouts, token scoping and what a payload may say."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from aiassets.models import ApiToken, Asset
from moderation import workflow
from moderation.erasure import erase
from tests import images
from tests.conftest import provenance
from webhooks import delivery, events, signing
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db
SECRET_PROMPT = "a secret prompt nobody may read"


class Receiver:
    """Records every POST; answers with the next scripted status (or sleeps past the timeout)."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.script: list[int | str] = []
        self.lock = threading.Lock()

    def handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    step = receiver.script.pop(0) if receiver.script else 204
                    receiver.received.append(
                        {"headers": dict(self.headers), "body": body, "answered": step}
                    )
                if step == "sleep":
                    time.sleep(2.5)
                    step = 204
                self.send_response(int(step))
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def receiver(settings) -> Iterator[tuple[Receiver, str]]:
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOKS_TIMEOUT = 1
    settings.WEBHOOKS_RETRY_INTERVALS = [0, 0, 0, 0]
    recv = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), recv.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield recv, f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver) -> Endpoint:
    return Endpoint.objects.create(name="platform", url=receiver[1])


def events_of(recv: Receiver) -> list[str]:
    return [json.loads(r["body"])["type"] for r in recv.received]


def test_every_event_type_is_signed_and_delivered(
    receiver, endpoint, ingest_now, admin_user, django_capture_on_commit_callbacks
):
    recv, _ = receiver
    asset = ingest_now(images.png(320, 240), provenance(prompt=SECRET_PROMPT)).asset
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("send_to_review", "approve", "take_down", "restore", "reject"):
            if workflow.allowed(name, Asset.objects.get(pk=asset.pk).moderation_status):
                workflow.transition(name, asset, by=admin_user, reason_code="quality")
        erase(asset.pk, reason="requested by the generator", by=admin_user)
    seen = events_of(recv)
    for wanted in (
        events.ASSET_CREATED,
        events.VARIANTS_READY,
        events.IN_REVIEW,
        events.APPROVED,
        events.TAKEN_DOWN,
        events.RESTORED,
        events.ASSET_ERASED,
    ):
        assert wanted in seen, (wanted, seen)
    for request in recv.received:
        headers, body = request["headers"], request["body"]
        assert signing.verify(endpoint.secret, headers["Webhook-Signature"], body)
        assert not signing.verify("whsec_other", headers["Webhook-Signature"], body)
        payload = json.loads(body)
        assert headers["Webhook-Id"] == payload["id"]
        assert payload["data"]["asset_id"] == str(asset.pk)
        assert SECRET_PROMPT.encode() not in body and b"prompt" not in body
    assert Delivery.objects.exclude(status="delivered").count() == 0


def retry(django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return delivery.retry_due()


@pytest.fixture
def created_only(endpoint) -> Endpoint:
    endpoint.events = [events.ASSET_CREATED]
    endpoint.save()
    return endpoint


def test_failures_and_timeouts_are_retried_until_delivered(
    receiver, created_only, ingest_now, django_capture_on_commit_callbacks
):
    recv, _ = receiver
    recv.script = [500, "sleep", 502]
    asset = ingest_now(images.png(64, 48)).asset
    row = Delivery.objects.get(event_type=events.ASSET_CREATED)
    assert row.status == "pending" and row.attempts == 1 and row.last_status_code == 500
    for _ in range(5):
        retry(django_capture_on_commit_callbacks)
        row.refresh_from_db()
        if row.status == "delivered":
            break
    assert row.status == "delivered" and row.attempts == 4
    created = [r for r in recv.received if json.loads(r["body"])["type"] == "asset.created"]
    assert len({json.loads(r["body"])["id"] for r in created}) == 1, "one event id for retries"
    assert str(asset.pk) in created[0]["body"].decode()


def test_out_of_attempts_is_failed_and_can_be_redelivered(
    receiver, created_only, ingest_now, django_capture_on_commit_callbacks
):
    recv, _ = receiver
    recv.script = [500] * 5
    ingest_now(images.png(64, 48))
    row = Delivery.objects.get(event_type=events.ASSET_CREATED)
    for _ in range(6):
        retry(django_capture_on_commit_callbacks)
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 5
    with django_capture_on_commit_callbacks(execute=True):
        delivery.redeliver(Delivery.objects.filter(pk=row.pk))
    row.refresh_from_db()
    assert row.status == "delivered"


def test_rq_retries_with_backoff(receiver, created_only, ingest_now, rq):
    recv, _ = receiver
    recv.script = [503, 503]
    ingest_now(images.png(64, 48))
    for _ in range(6):
        rq.work("default", scheduler=True)
        if Delivery.objects.filter(event_type=events.ASSET_CREATED, status="delivered").exists():
            break
        time.sleep(0.6)
    row = Delivery.objects.get(event_type=events.ASSET_CREATED)
    assert row.status == "delivered" and row.attempts == 3


def test_token_endpoints_see_only_their_own_uploads(receiver, ingest_now):
    recv, url = receiver
    mine, _ = ApiToken.issue("mine")
    other, _ = ApiToken.issue("other")
    Endpoint.objects.create(name="mine", url=url + "?mine", token=mine)
    Endpoint.objects.create(name="other", url=url + "?other", token=other)
    ingest_now(images.png(64, 48), token=mine)
    assert recv.received
    assert Delivery.objects.filter(endpoint__token=other).count() == 0
    assert Delivery.objects.filter(endpoint__token=mine).count() >= 1


def test_event_filter(receiver, ingest_now):
    recv, url = receiver
    Endpoint.objects.create(name="only-approvals", url=url, events=[events.APPROVED])
    ingest_now(images.png(64, 48))
    assert recv.received == []


def test_private_hosts_are_refused_in_production(settings, ingest_now):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = False
    endpoint = Endpoint.objects.create(name="internal", url="http://127.0.0.1:9/hook")
    ingest_now(images.png(64, 48))
    row = Delivery.objects.get(endpoint=endpoint, event_type=events.ASSET_CREATED)
    assert row.status == "pending" and "non-public address" in row.last_error


def test_a_broken_endpoint_table_never_breaks_ingest(receiver, ingest_now, monkeypatch):
    from webhooks import receivers

    def boom(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(receivers, "record_event", boom)
    assert ingest_now(images.png(64, 48)).created


@pytest.mark.parametrize(
    "header",
    ["", "t=abc,v1=00", "v1=00", "t=1,v1=00", "t=²,v1=00", "t=99999999999999,v1=00"],
)
def test_signature_check_refuses_junk(header):
    assert not signing.verify("whsec_x", header, b"{}")


def test_old_signatures_are_refused():
    body = b'{"id": 1}'
    stale = signing.header("whsec_x", int(time.time()) - 3600, body)
    assert not signing.verify("whsec_x", stale, body)
    assert signing.verify("whsec_x", stale, body, now=time.time() - 3600)


def test_moderation_event_mapping():
    assert events.moderation_event("pending", "approved") == events.APPROVED
    assert events.moderation_event("approved", "taken_down") == events.TAKEN_DOWN
    assert events.moderation_event("taken_down", "approved") == events.RESTORED
    assert events.moderation_event("approved", "approved") is None


def test_next_attempt_follows_the_intervals(receiver, created_only, ingest_now, settings):
    settings.WEBHOOKS_RETRY_INTERVALS = [60, 600]
    receiver[0].script = [500]
    ingest_now(images.png(64, 48))
    row = Delivery.objects.get(event_type=events.ASSET_CREATED)
    wait = (row.next_attempt_at - timezone.now()).total_seconds()
    assert 50 < wait <= 60
    assert delivery.retry_due() == 0
