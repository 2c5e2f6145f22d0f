"""Tags and collections in the admin: the asset form, the list filters (choices from the
Tag and Collection tables, no DISTINCT), the bulk actions with their intermediate page, and
the collection list's counts. Also the model rules of aiassets.tags."""

from __future__ import annotations

import re

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from taggit.models import Tag

from aiassets import tags
from aiassets.errors import CodedError
from aiassets.models import Asset, Collection, GenerativeModel, Provenance, TaggedAsset
from tests import images
from tests.aiassets.test_admin import groups, member  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db
LIST = "/admin/aiassets/asset/"


@pytest.fixture
def editor(client, groups):  # noqa: F811
    client.force_login(member(groups["editors"], "ed"))
    return client


@pytest.fixture
def three(ingest_now) -> list[Asset]:
    return [ingest_now(images.png(120, 80, seed=s)).asset for s in (1, 2, 3)]


def listed(response) -> set[str]:
    return {str(a.pk) for a in response.context["cl"].result_list}


# --- the model rules -------------------------------------------------------------------------


def test_clean_strips_dedupes_and_refuses_the_unstorable():
    assert tags.clean([" Sea ", "sea", "SKY"]) == ["Sea", "SKY"]
    for bad in (["a\x00b"], [""], ["x" * 101], ["a,b"], [f"t{i}" for i in range(51)]):
        with pytest.raises(CodedError):
            tags.clean(bad)


def test_set_tags_is_case_insensitive_and_links_are_unique(three):
    tags.set_tags(three[0], ["Sea", "boat"])
    tags.set_tags(three[1], ["SEA"])
    assert Tag.objects.filter(name__iexact="sea").count() == 1
    assert set(tags.with_tag(Asset.objects.all(), "sEa")) == {three[0], three[1]}
    assert tags.add_tags(Asset.objects.filter(pk=three[0].pk), ["sea", "new"]) == 1
    assert TaggedAsset.objects.filter(content_object=three[0]).count() == 3


def test_a_tag_filter_is_one_join_without_distinct(three):
    tags.set_tags(three[0], ["sea"])
    with CaptureQueriesContext(connection) as queries:
        assert list(tags.with_tag(Asset.objects.all(), "sea")) == [three[0]]
    assert len(queries) == 2, "the tag's id, then the assets"
    assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]


def test_deleting_an_asset_or_collection_removes_only_links(three):
    shelf = Collection.objects.create(name="Shelf", slug="shelf")
    shelf.assets.add(*three)
    tags.set_tags(three[0], ["sea"])
    three[0].delete()
    assert Tag.objects.filter(name="sea").exists() and shelf.assets.count() == 2
    shelf.delete()
    assert Asset.objects.count() == 2


# --- the asset form --------------------------------------------------------------------------


def change_form(client, asset: Asset, **fields) -> dict:
    """The change form as the browser sends it (its hidden inputs included)."""
    page = client.get(f"{LIST}{asset.pk}/change/").content.decode()
    data = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    data.update({"title": asset.title, "alt_text": asset.alt_text, "tags": ""})
    data.update(fields)
    return data


def test_the_asset_form_sets_tags_and_collections(editor, three):
    shelf = Collection.objects.create(name="Shelf", slug="shelf")
    asset = three[0]
    url = f"{LIST}{asset.pk}/change/"
    page = editor.get(url)
    assert 'name="tags"' in page.content.decode()
    assert 'name="in_collections"' in page.content.decode()
    data = change_form(editor, asset, tags="sea, Sky boat", in_collections=[shelf.pk])
    response = editor.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert sorted(asset.tags.names()) == ["Sky boat", "sea"]
    assert list(asset.collections.all()) == [shelf]
    editor.post(url, change_form(editor, asset, tags="sea"))
    assert list(asset.tags.names()) == ["sea"] and not asset.collections.exists()


def test_the_asset_form_refuses_a_too_long_tag(editor, three):
    url = f"{LIST}{three[0].pk}/change/"
    response = editor.post(url, change_form(editor, three[0], tags="x" * 101))
    assert response.status_code == 200
    assert "longer than 100" in str(response.context["adminform"].form.errors["tags"])
    assert not three[0].tags.exists()


# --- the list filters ----------------------------------------------------------------------


def test_filters_by_tag_and_collection_from_their_tables(editor, three):
    tags.set_tags(three[0], ["sea"])
    tags.set_tags(three[1], ["sea", "sky"])
    shelf = Collection.objects.create(name="Shelf", slug="shelf")
    shelf.assets.add(three[1], three[2])
    sea = Tag.objects.get(name="sea")
    page = editor.get(LIST)
    assert f"?tag={sea.pk}" in page.content.decode()
    assert f"?collection={shelf.pk}" in page.content.decode()
    assert listed(editor.get(f"{LIST}?tag={sea.pk}")) == {str(three[0].pk), str(three[1].pk)}
    assert listed(editor.get(f"{LIST}?collection={shelf.pk}")) == {
        str(three[1].pk),
        str(three[2].pk),
    }
    both = editor.get(f"{LIST}?tag={sea.pk}&collection={shelf.pk}")
    assert listed(both) == {str(three[1].pk)}
    assert listed(editor.get(f"{LIST}?tag=nonsense")) == set()


def test_filters_by_model_through_the_model_table(editor, three):
    """?model=<id> lists that model's assets (an EXISTS on the (model, asset) index); the
    sidebar names each model as the model does; a bad id lists nothing, never a 500."""
    other = GenerativeModel.objects.create(name="Other model", version="2")
    Provenance.objects.filter(asset=three[1]).update(model=other)
    page = editor.get(LIST).content.decode()
    assert f"?model={other.pk}" in page and ">Other model 2<" in page
    assert listed(editor.get(f"{LIST}?model={other.pk}")) == {str(three[1].pk)}
    mine = three[0].provenance.model_id
    assert listed(editor.get(f"{LIST}?model={mine}")) == {str(three[0].pk), str(three[2].pk)}
    assert listed(editor.get(f"{LIST}?model=nonsense")) == set()
    with CaptureQueriesContext(connection) as queries:
        editor.get(f"{LIST}?model={other.pk}")
    assert not [q for q in queries if 'INNER JOIN "aiassets_provenance"' in q["sql"]]


def test_the_asset_list_pages_by_its_setting(editor, three, settings):
    settings.ADMIN_ASSETS_PER_PAGE = 2
    response = editor.get(LIST)
    assert len(listed(response)) == 2 and response.context["cl"].paginator.num_pages == 2


def test_the_tag_filter_runs_no_distinct(editor, three):
    tags.set_tags(three[0], ["sea"])
    sea = Tag.objects.get(name="sea")
    with CaptureQueriesContext(connection) as queries:
        assert editor.get(f"{LIST}?tag={sea.pk}").status_code == 200
    assert not [q for q in queries if "DISTINCT" in q["sql"].upper()]


# --- the bulk actions ------------------------------------------------------------------------


def act(client, action: str, pks: list, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(p) for p in pks], **extra}
    return client.post(LIST, data)


def test_bulk_add_tags_through_the_intermediate_page(editor, three):
    tags.set_tags(three[0], ["old"])
    first = act(editor, "add_tags", [a.pk for a in three[:2]], index="0")
    assert first.status_code == 200 and b'name="apply"' in first.content
    bad = act(editor, "add_tags", [three[0].pk], tags="a" * 101, apply="Apply")
    assert bad.status_code == 200 and b"longer than 100" in bad.content
    done = act(editor, "add_tags", [a.pk for a in three[:2]], tags="sea, sky", apply="Apply")
    assert done.status_code == 302
    assert sorted(three[0].tags.names()) == ["old", "sea", "sky"]
    assert sorted(three[1].tags.names()) == ["sea", "sky"]
    assert not three[2].tags.exists()


def test_bulk_add_to_collection_across_the_filtered_list(editor, three):
    shelf = Collection.objects.create(name="Shelf", slug="shelf")
    shelf.assets.add(three[0])
    tags.set_tags(three[0], ["pick"])
    tags.set_tags(three[1], ["pick"])
    pick = Tag.objects.get(name="pick")
    data = {
        "action": "add_to_collection",
        ACTION_CHECKBOX_NAME: [str(three[0].pk)],
        "select_across": "1",
        "collection": str(shelf.pk),
        "apply": "Apply",
    }
    response = editor.post(f"{LIST}?tag={pick.pk}", data)
    assert response.status_code == 302
    assert set(shelf.assets.all()) == {three[0], three[1]}, "the filter's rows, not all"


def test_moderators_have_no_bulk_actions(client, groups, three):  # noqa: F811
    client.force_login(member(groups["moderators"], "mo"))
    shelf = Collection.objects.create(name="Shelf", slug="shelf")
    data = {"collection": str(shelf.pk), "apply": "Apply"}
    act(client, "add_to_collection", [three[0].pk], **data)
    assert not shelf.assets.exists()


# --- the collection admin ------------------------------------------------------------------


def test_collection_list_counts_in_one_query(editor, three, django_assert_max_num_queries):
    for i in range(5):
        c = Collection.objects.create(name=f"C{i}", slug=f"c{i}")
        c.assets.add(*three[: i % 4])
    editor.get("/admin/aiassets/collection/")  # warm the session and permission caches
    with CaptureQueriesContext(connection) as queries:
        page = editor.get("/admin/aiassets/collection/")
    counts = {c.slug: c.asset_total for c in page.context["cl"].result_list}
    assert counts == {"c0": 0, "c1": 1, "c2": 2, "c3": 3, "c4": 0}
    grouped = [q for q in queries if "GROUP BY" in q["sql"].upper()]
    assert len(grouped) == 1


# --- the tag admin -----------------------------------------------------------------------------


def test_the_tag_admin_renames_a_tag_everywhere_and_checks_the_name(admin_client, three):
    tags.set_tags(three[0], ["sea"])
    tag = Tag.objects.get(name="sea")
    url = f"/admin/taggit/tag/{tag.pk}/change/"
    assert "taggeditem" not in admin_client.get(url).content.decode().lower()
    assert "Merge selected tags" not in admin_client.get("/admin/taggit/tag/").content.decode()
    refused = admin_client.post(url, {"name": "a,b", "slug": "a-b"})
    assert refused.status_code == 200 and "comma" in refused.content.decode()
    assert admin_client.post(url, {"name": "Ocean", "slug": "ocean"}).status_code == 302
    assert list(three[0].tags.names()) == ["Ocean"]
