"""The purge job: what it purges, the PurgeRequest record, retries with backoff (in-process and
through a real RQ worker), the signal receiver, the admin and the purge_asset command."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from aiassets.models import Asset, ModerationStatus
from aiassets.signals import asset_visibility_changed
from delivery import purges
from delivery.models import PurgeRequest
from delivery.signing import variant_path
from tests import images

pytestmark = pytest.mark.django_db
BASE = "https://img.example.test"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _purge_settings(settings):
    settings.DELIVERY_PUBLIC_BASE_URL = BASE
    settings.CDN_BACKENDS = {}
    settings.CDN_PURGE_MAX_ATTEMPTS = 3
    settings.CDN_PURGE_RETRY_INTERVALS = []


def use_http_purge(settings, url: str, alias: str = "default") -> None:
    settings.CDN_BACKENDS = {
        **settings.CDN_BACKENDS,
        alias: {
            "BACKEND": "delivery.cdn.http_purge.HttpPurgeBackend",
            "OPTIONS": {"purge_url": url},
        },
    }


@pytest.fixture
def public_asset(ingest_now, settings) -> Asset:
    inline = settings.JOBS_INLINE
    settings.JOBS_INLINE = True  # build the variants now, even under the rq fixture
    asset = ingest_now(images.png(480, 320)).asset
    settings.JOBS_INLINE = inline
    Asset.objects.filter(pk=asset.pk).update(
        moderation_status=ModerationStatus.APPROVED, published=True
    )
    asset.refresh_from_db()
    assert asset.variants.filter(status="ready").count() == 6
    return asset


def leave_public_view(asset: Asset, capture) -> int:
    """What moderation.workflow.reject does: bump the version, then signal on commit."""
    old = asset.delivery_version
    with capture(execute=True):
        Asset.objects.filter(pk=asset.pk).update(
            moderation_status=ModerationStatus.REJECTED, delivery_version=old + 1
        )
        send(asset, was_public=True, is_public=False, old=old, new=old + 1)
    return old


def send(asset: Asset, *, was_public: bool, is_public: bool, old: int, new: int) -> None:
    asset_visibility_changed.send(
        sender=Asset,
        asset_id=asset.id,
        old_status="approved" if was_public else "pending",
        new_status="rejected" if not is_public else "approved",
        was_public=was_public,
        is_public=is_public,
        old_delivery_version=old,
        delivery_version=new,
    )


# --- what dies -----------------------------------------------------------------------------


def test_urls_are_every_variant_under_the_old_version_on_the_public_base(public_asset):
    asset = public_asset
    Asset.objects.filter(pk=asset.pk).update(delivery_version=2)
    urls = purges.urls_for(asset.id, 1)
    assert len(urls) == 6 and urls == sorted(urls)
    asset.delivery_version = 1
    assert set(urls) == {BASE + variant_path(asset, v) for v in asset.variants.all()}
    assert all(f"/{asset.id}/{asset.sha256[:16]}/1/" in u for u in urls)
    assert purges.surrogate_key(asset.id) == f"asset-{asset.id}"
    assert purges.job_id(asset.id, 1) == f"purge-{asset.id}-v1"


def test_a_deleted_asset_still_has_its_surrogate_key_purged(http_server, settings):
    use_http_purge(settings, http_server.url)
    asset_id = uuid.uuid4()  # no such asset (any more): no URLs to list, the key still works
    report = purges.purge(asset_id, 1)
    assert report.ok
    assert [(r.method, r.headers.get("xkey-purge")) for r in http_server.requests] == [
        ("PURGE", f"asset-{asset_id}")
    ]


def test_without_a_cdn_the_purge_is_recorded_and_nothing_is_sent(public_asset):
    report = purges.purge(public_asset.id, 1)
    assert report.ok
    row = PurgeRequest.objects.get()
    assert (row.backend, row.status, row.attempts, row.asset_id) == ("", "done", 1, public_asset.id)
    assert len(row.urls) == 6 and row.surrogate_keys == [f"asset-{public_asset.id}"]
    assert row.finished_at is not None and "no CDN" in row.result


# --- the receiver, in-process jobs ---------------------------------------------------------


def test_leaving_public_view_purges_each_url_and_the_key(
    public_asset, http_server, settings, django_capture_on_commit_callbacks
):
    use_http_purge(settings, http_server.url)
    old = leave_public_view(public_asset, django_capture_on_commit_callbacks)
    row = PurgeRequest.objects.get()
    assert (row.backend, row.delivery_version, row.status, row.attempts) == (
        "default",
        old,
        "done",
        1,
    )
    purged = [r for r in http_server.requests if "xkey-purge" not in r.headers]
    assert {r.path for r in purged} == {u.removeprefix(BASE) for u in row.urls}
    assert {r.headers["Host"] for r in purged} == {"img.example.test"}
    keyed = [r for r in http_server.requests if "xkey-purge" in r.headers]
    assert [(r.method, r.headers["xkey-purge"]) for r in keyed] == [
        ("PURGE", f"asset-{public_asset.id}")
    ]


@pytest.mark.parametrize(
    ("was_public", "is_public", "old", "new"),
    [(False, True, 1, 1), (False, False, 1, 1), (True, True, 1, 1)],
    ids=["entering-public-view", "never-public", "still-public"],
)
def test_other_transitions_purge_nothing(
    public_asset, was_public, is_public, old, new, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(public_asset, was_public=was_public, is_public=is_public, old=old, new=new)
    assert not PurgeRequest.objects.exists()


def test_each_backend_gets_its_own_record(public_asset, http_server, settings):
    use_http_purge(settings, http_server.url, "varnish")
    use_http_purge(settings, f"http://127.0.0.1:{closed_port()}", "dead")
    report = purges.purge(public_asset.id, 1)
    assert report.done == ["varnish"] and list(report.pending) == ["dead"]
    rows = {r.backend: r for r in PurgeRequest.objects.all()}
    assert (rows["varnish"].status, rows["dead"].status) == ("done", "pending")
    assert "unreachable" in rows["dead"].last_error
    # The next try (an RQ retry) resumes only the pending row.
    purges.purge(public_asset.id, 1)
    rows = {r.backend: r for r in PurgeRequest.objects.all()}
    assert (rows["varnish"].attempts, rows["dead"].attempts) == (1, 2)


def test_in_process_jobs_retry_and_record_the_final_failure(
    public_asset, settings, django_capture_on_commit_callbacks
):
    use_http_purge(settings, f"http://127.0.0.1:{closed_port()}")
    leave_public_view(public_asset, django_capture_on_commit_callbacks)
    row = PurgeRequest.objects.get()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "unreachable" in row.last_error and row.finished_at is not None


# --- through a real RQ worker ----------------------------------------------------------------


@pytest.mark.redis
def test_signal_enqueues_one_job_with_ids_retries_and_backoff(
    rq, public_asset, settings, django_capture_on_commit_callbacks
):
    settings.CDN_PURGE_MAX_ATTEMPTS = 4
    settings.CDN_PURGE_RETRY_INTERVALS = [2, 10, 60]
    old = leave_public_view(public_asset, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):  # a repeated signal collapses
        send(public_asset, was_public=True, is_public=False, old=old, new=old + 1)
    queue = rq.queue("purge")
    assert queue.job_ids == [f"purge-{public_asset.id}-v{old}"]
    job = queue.jobs[0]
    assert job.func_name == "delivery.jobs.purge_asset"
    assert job.args == (str(public_asset.id), old)
    assert (job.retries_left, job.retry_intervals) == (3, [2, 10, 60])
    assert not PurgeRequest.objects.exclude(attempts=0).exists(), (
        "nothing is purged inside the request (the URLs are only recorded)"
    )


@pytest.mark.redis
def test_rq_worker_purges_and_records(
    rq, public_asset, http_server, settings, django_capture_on_commit_callbacks
):
    use_http_purge(settings, http_server.url)
    old = leave_public_view(public_asset, django_capture_on_commit_callbacks)
    rq.work("purge")
    row = PurgeRequest.objects.get()
    assert (row.status, row.attempts, row.delivery_version, row.last_error) == ("done", 1, old, "")
    assert len(http_server.requests) == 7  # 6 URLs and one surrogate-key request
    assert rq.queue("purge").finished_job_registry.get_job_ids() == [
        purges.job_id(row.asset_id, old)
    ]


@pytest.mark.redis
def test_rq_worker_succeeds_after_a_transient_failure(
    rq, public_asset, http_server, settings, django_capture_on_commit_callbacks
):
    settings.CDN_PURGE_RETRY_INTERVALS = [0]  # retry at once, within the burst
    http_server.answer(503)  # the first request fails, everything after succeeds
    http_server.answer(200)
    use_http_purge(settings, http_server.url)
    leave_public_view(public_asset, django_capture_on_commit_callbacks)
    rq.work("purge")
    row = PurgeRequest.objects.get()
    assert (row.status, row.attempts) == ("done", 2)
    assert "HTTP 503" in row.last_error, "the earlier failure stays on record"
    assert not rq.queue("purge").failed_job_registry.get_job_ids()


@pytest.mark.redis
def test_rq_worker_gives_up_after_max_attempts(
    rq, public_asset, settings, django_capture_on_commit_callbacks
):
    settings.CDN_PURGE_RETRY_INTERVALS = [0]
    use_http_purge(settings, f"http://127.0.0.1:{closed_port()}")
    old = leave_public_view(public_asset, django_capture_on_commit_callbacks)
    rq.work("purge")
    row = PurgeRequest.objects.get()
    assert (row.status, row.attempts) == ("failed", 3)
    assert "unreachable" in row.last_error
    failed = rq.queue("purge").failed_job_registry.get_job_ids()
    assert failed == [purges.job_id(public_asset.id, old)]


@pytest.mark.redis
def test_rq_retries_are_scheduled_with_backoff(
    rq, public_asset, settings, django_capture_on_commit_callbacks
):
    settings.CDN_PURGE_RETRY_INTERVALS = [30, 120]
    use_http_purge(settings, f"http://127.0.0.1:{closed_port()}")
    leave_public_view(public_asset, django_capture_on_commit_callbacks)
    before = timezone.now()
    rq.work("purge")
    row = PurgeRequest.objects.get()
    assert (row.status, row.attempts) == ("pending", 1)
    queue = rq.queue("purge")
    scheduled = queue.scheduled_job_registry
    [job_id] = scheduled.get_job_ids()
    at = scheduled.get_scheduled_time(job_id)
    assert datetime.timedelta(seconds=29) < at - before < datetime.timedelta(seconds=35)


# --- admin and command ---------------------------------------------------------------------


def test_admin_lists_purges_read_only_and_retries_failed_ones(
    admin_client, public_asset, http_server, settings, django_capture_on_commit_callbacks
):
    use_http_purge(settings, f"http://127.0.0.1:{closed_port()}")
    purges.purge(public_asset.id, 1, max_attempts=1)
    row = PurgeRequest.objects.get()
    assert row.status == "failed"
    page = admin_client.get("/admin/delivery/purgerequest/?status__exact=failed")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(public_asset.id) in html and "unreachable" in html
    assert admin_client.get("/admin/delivery/purgerequest/add/").status_code == 403
    use_http_purge(settings, http_server.url)  # the CDN is back
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/delivery/purgerequest/",
            {"action": "retry_failed", "_selected_action": [row.pk]},
            follow=True,
        )
    assert "1 purge(s) queued again" in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("done", 1)
    assert len(http_server.requests) == 7


def test_command_purges_every_version_by_hand(public_asset, http_server, settings):
    use_http_purge(settings, http_server.url)
    Asset.objects.filter(pk=public_asset.pk).update(delivery_version=2)
    out = _call("purge_asset", str(public_asset.id))
    assert "v1 purged: default: 6 URL(s), 1 key(s)" in out
    assert "v2 purged" in out and f"purged {public_asset.id} (2 version(s))" in out
    assert sorted(PurgeRequest.objects.values_list("delivery_version", "status")) == [
        (1, "done"),
        (2, "done"),
    ]
    _call("purge_asset", str(public_asset.id), "--delivery-version", "1")
    assert PurgeRequest.objects.filter(delivery_version=1).count() == 2, "a new round each time"


def test_command_fails_loudly(public_asset, settings):
    use_http_purge(settings, f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(CommandError, match="some purges failed"):
        _call("purge_asset", str(public_asset.id))
    assert PurgeRequest.objects.get().status == "failed"
    with pytest.raises(CommandError, match="no asset"):
        _call("purge_asset", "not-a-uuid")


def _call(*args: str) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


# --- settings from the environment ---------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "{}"),
        (
            {"CDN_BACKEND": "http-purge", "CDN_PURGE_URL": "http://a:6081,http://b:6081"},
            "HttpPurgeBackend {'purge_url': ['http://a:6081', 'http://b:6081']}",
        ),
        (
            {"CDN_BACKEND": "fastly", "FASTLY_SERVICE_ID": "s", "FASTLY_API_TOKEN": "t"},
            "FastlyBackend {'service_id': 's', 'api_token': 't'}",
        ),
        ({"CDN_BACKEND": "akamai"}, "CDN_BACKEND must be one of none"),
    ],
    ids=["none", "http-purge", "fastly", "unknown"],
)
def test_cdn_backend_comes_from_the_environment(env, expected, tmp_path):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'\n"
        "from django.conf import settings\n"
        "b = settings.CDN_BACKENDS\n"
        "print(b and b['default']['BACKEND'].rsplit('.', 1)[1], b and b['default']['OPTIONS'])"
        " if b else print(b)\n"
        "print(*settings.CONFIG_ERRORS)  # what `manage.py check` reports (ops.E010)\n"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CDN_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "VAR_DIR": str(tmp_path), **env},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert expected in result.stdout + result.stderr
