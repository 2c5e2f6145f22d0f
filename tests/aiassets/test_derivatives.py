"""renditions.build and its jobs: sets, idempotence, failures, retries, a real RQ worker."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from aiassets import imaging, queueing, renditions
from aiassets.models import Variant
from tests import images

pytestmark = pytest.mark.django_db


def files_of(asset, media_root) -> dict[str, bytes]:
    return {v.key: (media_root / "public" / v.key).read_bytes() for v in asset.variants.all()}


def test_a_set_has_every_width_and_format_and_decodes_as_declared(ingest_now, media_root):
    asset = ingest_now(images.png(1000, 600)).asset
    rows = list(asset.variants.order_by("format", "width"))
    assert {(v.width, v.format) for v in rows} == {
        (w, f) for w in (320, 640, 1000) for f in ("avif", "webp", "jpeg")
    }
    for v in rows:
        assert v.status == "ready" and v.attempts == 1
        assert (
            v.key
            == f"variants/{asset.id}/{asset.sha256[:16]}/{v.width}w-{v.recipe}."
            + {"avif": "avif", "webp": "webp", "jpeg": "jpg"}[v.format]
        )
        data = (media_root / "public" / v.key).read_bytes()
        assert len(data) == v.bytes
        im = Image.open(io.BytesIO(data))
        assert im.format == {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}[v.format]
        assert im.size == (v.width, v.height) == (v.width, round(600 * v.width / 1000))
        assert not im.getexif()
        assert b"trainedAlgorithmicMedia" in data


def test_small_sources_are_never_upscaled(ingest_now):
    asset = ingest_now(images.png(200, 100)).asset
    assert sorted({v.width for v in asset.variants.all()}) == [200]


def test_rebuild_is_idempotent(ingest_now, media_root):
    asset = ingest_now(images.png(640, 480)).asset
    before = files_of(asset, media_root)
    report = renditions.build(asset.id)
    assert report.built == [] and report.skipped == len(before)
    forced = renditions.build(asset.id, force=True)
    assert len(forced.built) == len(before)
    after = files_of(asset, media_root)
    # Same keys and the same pixels. The bytes differ only in the C2PA manifest, whose
    # assertions carry a random salt by design.
    assert after.keys() == before.keys()
    assert {k: pixels(v) for k, v in after.items()} == {k: pixels(v) for k, v in before.items()}
    assert Variant.objects.filter(asset=asset).count() == len(before)


def pixels(data: bytes) -> bytes:
    im = Image.open(io.BytesIO(data))
    return im.convert("RGBA").tobytes()


def test_keys_change_when_encoder_settings_change(ingest_now, settings, media_root):
    """New settings give new keys; the retired renditions are deleted, the others stay."""
    asset = ingest_now(images.png(640, 480)).asset
    old_jpeg = set(asset.variants.filter(format="jpeg").values_list("key", flat=True))
    others = set(asset.variants.exclude(format="jpeg").values_list("key", flat=True))
    settings.DERIVATIVE_FORMATS = {**settings.DERIVATIVE_FORMATS, "jpeg": {"quality": 60}}
    renditions.build(asset.id)
    jpeg_keys = set(
        asset.variants.filter(format="jpeg", status="ready").values_list("key", flat=True)
    )
    assert len(jpeg_keys) == 2 and not jpeg_keys & old_jpeg
    assert all(not (media_root / "public" / k).exists() for k in old_jpeg)
    assert set(asset.variants.exclude(format="jpeg").values_list("key", flat=True)) == others


def _break_avif(monkeypatch, times: int | None):
    real = imaging.encode
    calls = {"n": 0}

    def flaky(im, fmt, options, xmp):
        if fmt == "avif" and (times is None or calls["n"] < times):
            calls["n"] += 1
            raise OSError("encoder exploded")
        return real(im, fmt, options, xmp)

    monkeypatch.setattr(imaging.pipeline, "encode", flaky)  # where the build loop calls it
    return calls


def test_failure_is_recorded_and_becomes_failed_after_the_last_attempt(
    ingest_now, monkeypatch, settings, media_root
):
    settings.DERIVATIVE_MAX_ATTEMPTS = 3
    _break_avif(monkeypatch, times=None)
    asset = ingest_now(images.png(640, 480)).asset
    avif = list(asset.variants.filter(format="avif"))
    assert avif and all(v.status == "failed" and v.attempts == 3 for v in avif)
    assert all("encoder exploded" in v.error for v in avif)
    assert all(not (media_root / "public" / v.key).exists() for v in avif)
    others = asset.variants.exclude(format="avif")
    assert {v.status for v in others} == {"ready"}


def test_a_retry_succeeds_after_a_transient_failure(ingest_now, monkeypatch):
    _break_avif(monkeypatch, times=2)  # first attempt fails for both AVIF widths
    asset = ingest_now(images.png(640, 480)).asset
    avif = list(asset.variants.filter(format="avif"))
    assert {v.status for v in avif} == {"ready"}
    assert {v.attempts for v in avif} == {2}
    assert all(v.error == "" for v in avif)


def test_missing_original_fails_every_variant_with_a_clear_error(ingest_now, media_root, settings):
    settings.DERIVATIVE_MAX_ATTEMPTS = 1
    asset = ingest_now(images.png(640, 480)).asset
    (media_root / "private" / asset.original_key).unlink()
    renditions.reset_for_rebuild(asset, only_unhealthy=False)
    report = renditions.build(asset.id)
    assert len(report.failed) == asset.variants.count()
    assert {v.status for v in asset.variants.all()} == {"failed"}
    assert "could not read the original" in asset.variants.first().error


def test_build_of_a_deleted_asset_is_a_no_op(db):
    report = renditions.build("00000000-0000-0000-0000-000000000000")
    assert report.built == [] and report.failed == {}


# --- a real RQ worker against the real Redis -----------------------------------------------


@pytest.mark.redis
def test_rq_worker_builds_the_set_end_to_end(rq, ingest_now, media_root):
    asset = ingest_now(images.png(640, 480)).asset
    queue = rq.queue("derivatives")
    assert queue.job_ids == [renditions.job_id(asset.id)]
    assert {v.status for v in asset.variants.all()} == {"pending"}, "nothing built in the request"
    rq.work("derivatives")
    assert {v.status for v in asset.variants.all()} == {"ready"}
    for v in asset.variants.all():
        assert (media_root / "public" / v.key).stat().st_size == v.bytes


@pytest.mark.redis
def test_duplicate_requests_collapse_into_one_job(
    rq, ingest_now, django_capture_on_commit_callbacks
):
    asset = ingest_now(images.png(320, 320)).asset
    with django_capture_on_commit_callbacks(execute=True):
        renditions.schedule(asset.id)
        renditions.schedule(asset.id)
    assert rq.queue("derivatives").job_ids == [renditions.job_id(asset.id)]
    rq.work("derivatives")
    # The finished job's record still lives: a new request must still run a new build.
    renditions.reset_for_rebuild(asset, only_unhealthy=False)
    with django_capture_on_commit_callbacks(execute=True):
        renditions.schedule(asset.id)
    assert rq.queue("derivatives").job_ids == [renditions.job_id(asset.id)]
    rq.work("derivatives")
    assert {v.status for v in asset.variants.all()} == {"ready"}


@pytest.mark.redis
def test_rq_retries_a_failed_build_and_records_the_final_failure(
    rq, ingest_now, monkeypatch, settings
):
    settings.DERIVATIVE_MAX_ATTEMPTS = 2
    _break_avif(monkeypatch, times=None)
    asset = ingest_now(images.png(640, 480)).asset
    rq.work("derivatives")
    avif = list(asset.variants.filter(format="avif"))
    assert {(v.status, v.attempts) for v in avif} == {("failed", 2)}
    failed = rq.queue("derivatives").failed_job_registry
    assert failed.get_job_ids() == [renditions.job_id(asset.id)]


@pytest.mark.redis
def test_jobs_carry_ids_not_model_instances(rq, ingest_now):
    asset = ingest_now(images.png(320, 320)).asset
    job = rq.queue("derivatives").jobs[0]
    assert job.func_name == "aiassets.renditions.jobs.build_variants"
    assert job.args == (str(asset.id),)


def test_unreachable_redis_keeps_rows_pending_and_loses_nothing(settings, ingest_now, caplog):
    settings.JOBS_INLINE = False
    settings.RQ_QUEUES = {n: {"URL": "redis://127.0.0.1:1/0"} for n in settings.JOB_QUEUES}
    asset = ingest_now(images.png(320, 320)).asset
    assert {v.status for v in asset.variants.all()} == {"pending"}
    assert "Redis is unreachable" in caplog.text
    settings.JOBS_INLINE = True
    renditions.build(asset.id)
    assert {v.status for v in asset.variants.all()} == {"ready"}


def test_inline_mode_runs_jobs_without_redis(settings, ingest_now):
    settings.JOBS_INLINE = True
    assert queueing.enqueue("default", "aiassets.jobs.build_variants", "0" * 32) is None


# --- deferral under a deep queue -------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)  # jobs enqueue on commit from inside the worker
def test_deep_queue_defers_builds_and_they_are_picked_up_later(rq, ingest_now, settings):
    from prometheus_client import REGISTRY

    settings.DERIVATIVE_QUEUE_MAX_DEPTH = 2
    before = (
        REGISTRY.get_sample_value("aiassets_limit_hits_total", {"limit": "derivatives_deferred"})
        or 0.0
    )
    assets = [ingest_now(images.png(320, 240, seed=i)).asset for i in range(5)]
    statuses = [set(a.variants.values_list("status", flat=True)) for a in assets]
    assert statuses[:2] == [{"pending"}, {"pending"}]
    assert statuses[2:] == [{"deferred"}] * 3, "originals stored, builds deferred"
    assert len(rq.queue("derivatives").job_ids) == 2
    assert (
        REGISTRY.get_sample_value("aiassets_limit_hits_total", {"limit": "derivatives_deferred"})
        == before + 3
    )
    rq.work("derivatives")  # each finished build lets deferred ones in
    for a in assets:
        assert set(a.variants.values_list("status", flat=True)) == {"ready"}, a.pk


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_reconcile_releases_deferred_builds(rq, ingest_now, settings):
    from django.core.management import call_command

    settings.DERIVATIVE_QUEUE_MAX_DEPTH = 1
    first = ingest_now(images.png(320, 240, seed=1)).asset
    second = ingest_now(images.png(320, 240, seed=2)).asset
    assert set(second.variants.values_list("status", flat=True)) == {"deferred"}
    rq.queue("derivatives").empty()  # the queued job is lost (e.g. Redis flushed)
    out = io.StringIO()
    call_command("reconcile_variants", "--no-progress", stdout=out, stderr=io.StringIO())
    assert "3 deferred" in out.getvalue()  # variants: one width x three formats
    rq.work("derivatives")
    call_command("reconcile_variants", "--no-progress", "--stale-minutes", "0", stdout=out)
    rq.work("derivatives")
    for a in (first, second):
        assert set(a.variants.values_list("status", flat=True)) == {"ready"}


@pytest.mark.redis
def test_jobs_stored_under_the_old_dotted_path_still_run(rq, ingest_now):
    """Jobs RQ stored as aiassets.jobs.build_variants before the move to aiassets/renditions/
    keep working for one release."""
    asset = ingest_now(images.png(320, 320)).asset
    rq.queue("derivatives").empty()
    queueing.enqueue("derivatives", "aiassets.jobs.build_variants", str(asset.id))
    assert rq.queue("derivatives").jobs[0].func_name == "aiassets.jobs.build_variants"
    rq.work("derivatives")
    assert {v.status for v in asset.variants.all()} == {"ready"}
