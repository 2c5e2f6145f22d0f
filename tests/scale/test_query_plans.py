"""On PostgreSQL, after ANALYZE over a few thousand rows, the gallery, prompt search and review
queue queries walk their indexes: no sequential scan of the asset, provenance or variant
tables, and the index meant for each query appears in its plan."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aiassets.models import ApiToken
from tests.conftest import need

from .conftest import RARE, SHELF_RARE, TAG_RARE

pytestmark = [pytest.mark.django_db, pytest.mark.postgres, pytest.mark.slow]

BIG_TABLES = {"aiassets_asset", "aiassets_provenance", "aiassets_variant"}
N = 3000


def plan_nodes(sql: str, params) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    nodes, todo = [], [plan]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", ()))
    return nodes


def page_queries(client, url: str, marker: str) -> list[tuple[str, tuple]]:
    """The (sql, params) a page ran whose SQL contains ``marker``, re-planned with params."""
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [(q["sql"], ()) for q in captured.captured_queries if marker in q["sql"]]


def assert_uses(nodes: list[dict], index: str) -> None:
    seq = [n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"]
    assert not set(seq) & BIG_TABLES, f"sequential scan of {seq}"
    used = {n.get("Index Name") for n in nodes}
    assert index in used, f"{index} not in {used}"


@pytest.fixture
def analysed(population, client):
    if connection.vendor != "postgresql":
        need("PostgreSQL", "set DATABASE_URL=postgres://… to check query plans")
    population(N)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE aiassets_asset, aiassets_provenance, aiassets_variant")
        cursor.execute("ANALYZE moderation_decision, moderation_escalation")
        cursor.execute("ANALYZE aiassets_taggedasset, aiassets_collection_assets, taggit_tag")
    user = get_user_model().objects.create_superuser("plans", "plans@example.test", "pw")
    client.force_login(user)
    return client


def check_gallery_page_walks_the_public_index(analysed):
    for sql, params in page_queries(analysed, "/", 'ORDER BY "aiassets_asset"."created_at" DESC'):
        assert_uses(plan_nodes(sql, params), "asset_public_newest_idx")


def check_prompt_search_reads_the_gin_index(analysed):
    queries = page_queries(analysed, f"/?q={RARE}", "search_vector")
    assert queries, "the search runs on the stored vector"
    for sql, params in queries:
        assert_uses(plan_nodes(sql, params), "provenance_search_gin")


def check_admin_search_reads_the_gin_index(analysed):
    queries = page_queries(analysed, f"/admin/aiassets/asset/?q={RARE}", "search_vector")
    assert queries
    for sql, params in queries:
        assert_uses(plan_nodes(sql, params), "provenance_search_gin")


def check_review_queue_walks_the_queue_index(analysed):
    queries = page_queries(analysed, "/admin/moderation/needsreview/", '"queued_at" ASC')
    assert queries
    for sql, params in queries:
        assert_uses(plan_nodes(sql, params), "asset_queue_idx")


LINK_TABLES = {"aiassets_taggedasset", "aiassets_collection_assets"}


def check_gallery_and_api_by_a_rare_tag_read_the_tag_index(analysed):
    _, raw = ApiToken.issue("plans")
    with CaptureQueriesContext(connection) as captured:
        assert analysed.get(f"/?tag={TAG_RARE}").status_code == 200
        auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        assert analysed.get(f"/api/v1/assets?tag={TAG_RARE}", **auth).status_code == 200
    queries = [q["sql"] for q in captured.captured_queries if "aiassets_taggedasset" in q["sql"]]
    assert len(queries) >= 4, "gallery count and page, two API walks"
    used = set()
    for sql in queries:
        # At 3,000 rows the planner may rightly read a small table whole (a hash join, the
        # page's tag prefetch), so what is checked is that an index serves every access.
        used |= {n.get("Index Name") for n in plan_nodes(sql, ())}
        assert not indexable_only_by_scanning(sql), sql
    assert "taggedasset_unique" in used, used


def planned_without_scans(sql: str) -> list[dict]:
    """The plan with sequential scans made as dear as the planner allows: any access an
    index can serve then uses the index. On tables of a few thousand rows whether the planner
    picks a scan unaided depends on the dead rows earlier tests left behind."""
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            return plan_nodes(sql, ())
        finally:
            cursor.execute("RESET enable_seqscan")


def indexable_only_by_scanning(sql: str) -> set[str]:
    """The big tables the query could reach only by a sequential scan."""
    nodes = planned_without_scans(sql)
    return {n["Relation Name"] for n in nodes if n["Node Type"] == "Seq Scan"} & (
        BIG_TABLES | LINK_TABLES
    )


def check_gallery_by_a_small_collection_reads_its_links_by_index(analysed):
    queries = page_queries(analysed, f"/?collection={SHELF_RARE}", "aiassets_collection_assets")
    assert len(queries) >= 2, "count and page"
    for sql, _params in queries:
        # As for tags: on a fresh table of 3,000 rows the planner may rightly read the asset
        # table whole (whether it does depends on the dead rows earlier tests left); what is
        # checked is that an index can serve every access.
        assert not indexable_only_by_scanning(sql), sql


QUEUES = [("needsreview", "asset_queue_idx"), ("autorejected", "asset_autorejected_idx")]


def check_queue_pages_stop_after_a_page(analysed, queue, index):
    """The queue index yields the page's whole order (status, queued_at, id; the auto-rejected
    queue's partial index: queued_at, id), so a page need
    not sort the whole queue before its LIMIT. A few hundred queued rows are cheap to sort,
    so sorting is priced out here to ask only whether the index can give the order (at 1M
    assets the planner picks it unaided: bench/scale.py)."""
    queries = page_queries(analysed, f"/admin/moderation/{queue}/", '"queued_at" ASC')
    assert queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # on again below, for the next check
    try:
        check_no_queue_sort(queries, index)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_sort = on")


def check_no_queue_sort(queries: list, index: str) -> None:
    for sql, params in queries:
        nodes = plan_nodes(sql, params)
        assert_uses(nodes, index)
        sorts = [n for n in nodes if n["Node Type"] in ("Sort", "Incremental Sort")]
        assert not [n for n in sorts if "queued_at" in " ".join(n["Sort Key"])], sorts


def check_a_rare_search_reads_its_page_among_the_matches(analysed):
    """Few matches (at most paging.MAX_COUNT): the page query is bounded by their ids, read
    for the count, instead of walking every public row newest first looking for them (4 s at
    1M assets for a word that matched nothing)."""
    queries = page_queries(analysed, f"/?q={RARE}", 'ORDER BY "aiassets_asset"."created_at" DESC')
    assert len(queries) == 1
    nodes = plan_nodes(*queries[0])
    assert "asset_public_newest_idx" not in {n.get("Index Name") for n in nodes}
    assert "aiassets_asset_pkey" in {n.get("Index Name") for n in nodes}
    with CaptureQueriesContext(connection) as captured:
        assert analysed.get("/?q=nosuchwordanywhere").status_code == 200
    listed = [q for q in captured.captured_queries if 'ORDER BY "aiassets_asset"' in q["sql"]]
    assert not listed, "no page query"


def check_dashboard_review_exits_read_their_index(analysed):
    """The ops dashboard's items that left review this week: a range of the partial index
    over exits, not every decision of the week."""
    from datetime import timedelta

    from django.utils import timezone

    from ops import queries

    with CaptureQueriesContext(connection) as captured:
        queries.review_exits(timezone.now() - timedelta(days=7), 500)
    (query,) = captured.captured_queries
    nodes = plan_nodes(query["sql"], ())
    assert "decision_review_exit_idx" in {n.get("Index Name") for n in nodes}


# One population and ANALYZE (about 7 s on PostgreSQL) serves each group of checks below; a
# failing check names itself in the traceback.


def test_public_pages_read_their_indexes(analysed):
    check_gallery_by_a_small_collection_reads_its_links_by_index(analysed)
    check_gallery_page_walks_the_public_index(analysed)
    check_prompt_search_reads_the_gin_index(analysed)
    check_a_rare_search_reads_its_page_among_the_matches(analysed)
    check_gallery_and_api_by_a_rare_tag_read_the_tag_index(analysed)


def test_admin_search_and_queues_read_their_indexes(analysed):
    check_admin_search_reads_the_gin_index(analysed)
    check_review_queue_walks_the_queue_index(analysed)
    for queue, index in QUEUES:
        check_queue_pages_stop_after_a_page(analysed, queue, index)
    check_dashboard_review_exits_read_their_index(analysed)
