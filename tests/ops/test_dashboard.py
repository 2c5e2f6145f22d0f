"""The admin operations dashboard renders server-side SVG charts from seeded data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aiassets.models import BuildLog
from delivery.models import PurgeRequest
from moderation.models import Decision

from .conftest import make_asset

pytestmark = pytest.mark.django_db
URL = "/admin/ops/dashboard/"


@pytest.fixture
def staff_client(client):
    user = get_user_model().objects.create_user("ops", "ops@example.test", "pw", is_staff=True)
    client.force_login(user)
    return client


def figure(html: str, chart_id: str) -> str:
    match = re.search(rf'<figure class="ops-chart" id="{chart_id}">(.*?)</figure>', html, re.S)
    assert match, f"no chart {chart_id}"
    return match.group(1)


def bars(html: str, chart_id: str, series: str | None = None) -> list[float]:
    svg = figure(html, chart_id)
    found = re.findall(
        r'<rect class="bar [^"]*"[^>]*data-series="([^"]*)" data-value="([^"]*)"', svg
    )
    return [float(v) for s, v in found if series is None or s == series]


def points(html: str, chart_id: str, series: str) -> list[str]:
    svg = figure(html, chart_id)
    found = re.findall(
        r'<circle class="point [^"]*"[^>]*data-series="([^"]*)" data-value="([^"]*)"', svg
    )
    return [v for s, v in found if s == series]


def local_day(moment):
    return timezone.localtime(moment).date()


def local_hour(moment):
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def decide(asset, verdict: str, to_status: str, when, from_status: str = "pending") -> None:
    Decision.objects.create(
        asset=asset,
        actor_kind="user",
        verdict=verdict,
        from_status=from_status,
        to_status=to_status,
        created_at=when,
    )


@pytest.fixture
def seeded():
    """Assets, decisions, a review queue, build logs and purges across the last days."""
    now = timezone.now()
    recent = [now - timedelta(minutes=10), now - timedelta(hours=2), now - timedelta(hours=2)]
    older = [now - timedelta(days=3), now - timedelta(days=5, hours=1)]
    ancient = [now - timedelta(days=10)]  # outside both windows
    assets = [make_asset(created_at=t) for t in recent + older + ancient]

    decide(assets[0], "approve", "approved", now - timedelta(minutes=5))
    decide(assets[1], "approve", "approved", now - timedelta(hours=1))
    decide(assets[2], "reject", "rejected", now - timedelta(hours=1))
    decide(assets[3], "reject", "rejected", now - timedelta(days=3))
    decide(assets[5], "approve", "approved", now - timedelta(days=9))  # outside

    waiting_since = now - timedelta(hours=8)
    waiting = make_asset(created_at=waiting_since, moderation_status="in_review")
    decide(waiting, "review", "in_review", now - timedelta(hours=5))

    builds = [
        (now - timedelta(hours=1), 1.0),
        (now - timedelta(hours=1), 3.0),
        (now - timedelta(hours=3), 2.0),
        (now - timedelta(days=4), 8.0),
        (now - timedelta(days=12), 50.0),  # outside
    ]
    for when, seconds in builds:
        BuildLog.objects.create(asset_id=assets[0].id, finished_at=when, seconds=seconds)

    failures = [now - timedelta(hours=2), now - timedelta(days=2)]
    for when in failures:
        row = PurgeRequest.objects.create(asset_id=assets[0].id, delivery_version=1)
        PurgeRequest.objects.filter(pk=row.pk).update(
            status="failed", attempts=5, finished_at=when, created_at=when - timedelta(minutes=5)
        )
    PurgeRequest.objects.create(asset_id=assets[1].id, delivery_version=1, status="done")
    return {
        "now": now,
        "ingests_24h": [*recent, waiting_since],
        "ingests_7d": [*recent, waiting_since, *older],
        "builds": builds,
        "failures": failures,
    }


def test_dashboard_renders_charts_matching_the_data(staff_client, seeded):
    response = staff_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script" not in html.split('id="content-main"')[1]  # charts need no JavaScript
    assert "Operations dashboard" in html

    # Ingest volume: one bar per non-empty bucket, values summing to the ingests in the window.
    for key, moments, bucket in (
        ("24h", seeded["ingests_24h"], local_hour),
        ("7d", seeded["ingests_7d"], local_day),
    ):
        values = bars(html, f"ingests-{key}")
        assert sum(values) == len(moments)
        assert len(values) == len({bucket(t) for t in moments})

    # Moderation throughput: 2 approvals and 1 rejection in 24 h; 1 more rejection in 7 days.
    assert sum(bars(html, "decisions-24h", "Approved")) == 2
    assert sum(bars(html, "decisions-24h", "Rejected")) == 1
    assert sum(bars(html, "decisions-7d", "Approved")) == 2
    assert sum(bars(html, "decisions-7d", "Rejected")) == 2
    hours_with_decisions = {local_hour(seeded["now"] - timedelta(minutes=5))} | {
        local_hour(seeded["now"] - timedelta(hours=1))
    }
    assert len(points(html, "rejection-24h", "Rejected share")) == len(hours_with_decisions)

    # Build latency: a p50 and a p95 point for each bucket with builds.
    day_builds = [(t, s) for t, s in seeded["builds"] if seeded["now"] - t < timedelta(hours=22)]
    week_builds = [(t, s) for t, s in seeded["builds"] if seeded["now"] - t < timedelta(days=6)]
    for key, rows, bucket in (("24h", day_builds, local_hour), ("7d", week_builds, local_day)):
        buckets = {bucket(t) for t, _ in rows}
        assert len(points(html, f"build-latency-{key}", "p50")) == len(buckets)
        assert len(points(html, f"build-latency-{key}", "p95")) == len(buckets)
    hour_of_two = local_hour(seeded["now"] - timedelta(hours=1))
    if local_hour(seeded["now"] - timedelta(hours=3)) != hour_of_two:
        assert "2" in points(html, "build-latency-24h", "p50")  # median of 1 s and 3 s

    # Purge failures: one in 24 h, two in 7 days.
    assert sum(bars(html, "purge-failures-24h")) == 1
    assert sum(bars(html, "purge-failures-7d")) == 2

    # Review queue: one item, waiting 5 h since it entered review (not 8 h since ingest).
    assert points(html, "review-age-24h", "Longest wait")[-1] == "5"
    assert bars(html, "review-length-24h")[-1] == 1
    assert re.search(r"<dt>In review now</dt><dd>1</dd>", html)


def test_charts_are_accessible(staff_client, seeded):
    html = staff_client.get(URL).content.decode()
    svgs = re.findall(r'<svg [^>]*class="ops-svg"[^>]*>', html)
    charts = re.findall(r'<figure class="ops-chart" id="([^"]+)"', html)
    assert len(charts) == len(svgs) == 14  # 7 charts × 2 windows
    assert all('role="img"' in svg and "aria-labelledby=" in svg for svg in svgs)
    for chart_id in charts:
        body = figure(html, chart_id)
        assert f'<title id="{chart_id}-title">' in body
        assert f'<desc id="{chart_id}-desc">' in body
        assert "<table>" in body and '<th scope="col">Period</th>' in body
    assert "<link" not in html.split('id="content-main"')[1]  # no external assets
    assert 'href="http' not in html and 'src="http' not in html


def test_empty_dashboard_renders(staff_client):
    response = staff_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert bars(html, "ingests-24h") == []
    assert "no data" in figure(html, "build-latency-7d")


def test_non_staff_and_anonymous_go_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    user = get_user_model().objects.create_user("visitor", "v@example.test", "pw")
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_linked_from_the_admin_index(staff_client):
    html = staff_client.get("/admin/").content.decode()
    assert f'href="{URL}"' in html


def test_a_fixed_number_of_queries(staff_client, seeded):
    staff_client.get(URL)  # the completed hours' counts are cached from here on
    with CaptureQueriesContext(connection) as few:
        staff_client.get(URL)
    now = timezone.now()
    for i in range(5):
        make_asset(created_at=now - timedelta(hours=i))
        BuildLog.objects.create(asset_id=make_asset().id, finished_at=now, seconds=i)
    with CaptureQueriesContext(connection) as more:
        staff_client.get(URL)
    assert len(more.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize("zone", ["UTC", "Asia/Kolkata", "America/St_Johns"])
def test_hour_counts_grouped_in_the_database_land_in_local_buckets(zone):
    """Counts are grouped per local hour by the database (TruncHour) and summed into the
    windows' buckets: in a zone with a half-hour offset, an ingest at 23:40 local time counts
    on its own local day, and the 24-hour tile counts exactly the hours since the window's
    first local hour."""
    from ops import dashboard

    with timezone.override(zone):
        now = timezone.localtime(timezone.now()).replace(hour=12, minute=10)
        yesterday_late = (now - timedelta(days=1)).replace(hour=23, minute=40)
        for when in (now - timedelta(minutes=5), yesterday_late, now - timedelta(days=3)):
            make_asset(created_at=when)
        make_asset(created_at=now - timedelta(hours=23, minutes=50))  # before the 24 h window
        context = dashboard.context(now=now)
        tiles = dict(context["tiles"])
        (day, day_charts), (week, week_charts) = context["windows"]
        by_day = {c.id: c for c in week_charts}["ingests-7d"].series[0].values
        by_hour = {c.id: c for c in day_charts}["ingests-24h"].series[0].values
    assert tiles["Ingested (24 h)"] == "2"
    assert sum(by_hour) == 2
    assert by_day[-1] == 1 and by_day[-2] == 2 and by_day[-4] == 1


def test_completed_hours_are_counted_once_and_the_current_hour_every_time(
    django_assert_num_queries,
):
    """The week's completed hours come from the cache after the first view; the current
    hour is counted live, so a new ingest shows at once."""
    from ops import queries

    since = timezone.now() - timedelta(days=2)
    for _ in range(3):
        make_asset(created_at=timezone.now() - timedelta(hours=5))
    first = queries.ingests_per_hour(since)
    with django_assert_num_queries(1):  # the current hour only
        again = queries.ingests_per_hour(since)
    assert again == first and sum(first.values()) == 3
    make_asset()
    make_asset()
    assert sum(queries.ingests_per_hour(since).values()) == 5
