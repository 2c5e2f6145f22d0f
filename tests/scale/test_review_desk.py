"""The review desk at scale (issue 21): the admin index's queue counts and the grid keep a fixed
query budget however many assets there are, and on PostgreSQL the counts walk the queue index
(asset_queue_idx) with a LIMIT instead of counting whole tables."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from moderation.admin import counts
from tests.conftest import need

from .test_query_plans import BIG_TABLES, planned_without_scans

pytestmark = pytest.mark.django_db

BUDGETS = {  # page -> most queries (session and user lookups included)
    "admin_index": 9,
    # The queue's own queryset: +2 for its uploaders and claims, fetched apart (queues.py).
    "grid_needs_review": 10,
    "grid_auto_rejected": 10,
}
URLS = {
    "admin_index": "/admin/",
    "grid_needs_review": "/admin/moderation/needsreview/grid/",
    "grid_auto_rejected": "/admin/moderation/autorejected/grid/",
}


@pytest.fixture
def root(client):
    user = get_user_model().objects.create_superuser("desk", "desk@example.test", "pw")
    client.force_login(user)
    return user


@pytest.mark.parametrize("size", [60, 120])
def test_desk_pages_within_their_query_budget(
    client, root, population, size, django_assert_max_num_queries
):
    population(size)
    for name, url in URLS.items():
        with django_assert_max_num_queries(BUDGETS[name], info=name):
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)


def test_index_counts_are_one_query_per_queue(root, population):
    population(100)
    request = RequestFactory().get("/admin/")
    request.user = root
    with CaptureQueriesContext(connection) as ctx:
        shown = counts.queue_counts(request)
    assert [q.label for q in shown] == ["Needs review", "Escalated", "Auto-rejected", "Taken down"]
    assert len(ctx.captured_queries) == 4, "one per queue"
    assert all("LIMIT" in q["sql"] for q in ctx.captured_queries), "every count is bounded"


@pytest.mark.postgres
@pytest.mark.slow
def test_index_counts_walk_the_queue_index(root, population):
    if connection.vendor != "postgresql":
        need("PostgreSQL", "set DATABASE_URL=postgres://… to check query plans")
    population(3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE aiassets_asset, moderation_decision, moderation_escalation")
    request = RequestFactory().get("/admin/")
    request.user = root
    with CaptureQueriesContext(connection) as ctx:
        counts.queue_counts(request)
    for query in ctx.captured_queries:
        nodes = planned_without_scans(query["sql"])  # the bench shows the unaided plan at 1M
        seq = {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"}
        assert not seq & BIG_TABLES, (query["sql"][:200], seq)
        # Escalated items are found from the (small) escalation table, then by primary key;
        # the classifier's rejections through their own partial index.
        wanted = "asset_queue_idx"
        if 'INNER JOIN "moderation_escalation"' in query["sql"]:
            wanted = "aiassets_asset_pkey"
        elif '"queued_by" = ' in query["sql"]:
            wanted = "asset_autorejected_idx"
        assert wanted in {n.get("Index Name") for n in nodes}, query["sql"][:200]
