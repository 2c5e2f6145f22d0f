"""The gallery's tag and collection filters (bookmarkable, with keyset paging) and the tags
on the public asset page, as links to the filtered gallery."""

from __future__ import annotations

import re

import pytest

from aiassets import tags
from aiassets.models import Collection
from tests import images
from tests.delivery.helpers import make_public
from tests.public.test_gallery import ids_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def tagged(ingest_now, settings):
    """Five public assets tagged "sea" (newest last), one public "sky", one private "sea"."""
    sea = [make_public(ingest_now(images.png(300, 200, seed=s)).asset) for s in range(5)]
    sky = make_public(ingest_now(images.png(300, 200, seed=20)).asset)
    private = ingest_now(images.png(300, 200, seed=21)).asset
    for asset in [*sea, private]:
        tags.set_tags(asset, ["Sea"])
    tags.set_tags(sky, ["sky", "Blue hour & co"])
    return sea, sky, private


def test_gallery_filters_by_tag_in_any_case(client, tagged):
    sea, sky, private = tagged
    html = client.get("/?tag=sea").content.decode()
    assert ids_on(html) == {str(a.pk) for a in sea}
    assert str(private.pk) not in html
    assert ids_on(client.get("/?tag=SKY").content.decode()) == {str(sky.pk)}
    assert ids_on(client.get("/?tag=nothing").content.decode()) == set()
    assert 'value="sea"' in html, "the form keeps the tag, so Apply keeps filtering"


def test_tag_filter_pages_by_keyset_and_links_stay_bookmarkable(client, tagged, monkeypatch):
    from public import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    sea = tagged[0]
    seen, url = [], "/?tag=sea"
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [str(a.pk) for a in page.object_list]
        url = f"/?{page.next_query}" if page.has_next else ""
        assert not url or "tag=sea" in url and "after=" in url
    assert seen == [str(a.pk) for a in reversed(sea)]


def test_gallery_filters_by_collection_and_names_it(client, tagged):
    sea, sky, private = tagged
    shelf = Collection.objects.create(name="Harbour shelf", slug="shelf", description="Boats.")
    shelf.assets.add(sea[0], sky, private)
    response = client.get("/?collection=shelf")
    html = response.content.decode()
    assert ids_on(html) == {str(sea[0].pk), str(sky.pk)}
    assert "Harbour shelf" in html and "Boats." in html
    assert 'type="hidden" name="collection" value="shelf"' in html
    both = client.get("/?collection=shelf&tag=sky").content.decode()
    assert ids_on(both) == {str(sky.pk)}
    assert ids_on(client.get("/?collection=none").content.decode()) == set()


def test_a_collection_of_private_assets_stays_unnamed(client, tagged):
    hidden = Collection.objects.create(name="Embargoed launch", slug="embargo")
    hidden.assets.add(tagged[2])
    html = client.get("/?collection=embargo").content.decode()
    assert "Embargoed launch" not in html and ids_on(html) == set()


def test_asset_page_links_its_tags_to_the_gallery(client, tagged):
    sky = tagged[1]
    html = client.get(f"/images/{sky.pk}/").content.decode()
    links = re.findall(r'<a rel="tag" href="([^"]+)">([^<]+)</a>', html)
    assert links == [
        ("/?tag=Blue%20hour%20%26%20co", "Blue hour &amp; co"),
        ("/?tag=sky", "sky"),
    ]
    assert ids_on(client.get(links[0][0]).content.decode()) == {str(sky.pk)}


@pytest.mark.parametrize("query", ["tag=a%00b", "collection=a%00b", "tag=" + "x" * 101])
def test_hostile_filter_values_show_an_empty_gallery(client, tagged, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 200 and ids_on(response.content.decode()) == set()
