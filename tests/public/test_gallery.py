"""The public gallery and asset page: filters, pagination, query budgets, privacy."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aiassets.models import Asset, GenerativeModel
from tests import images
from tests.conftest import provenance
from tests.delivery.helpers import make_public

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery(ingest_now):
    """Seven public assets (landscape, portrait, square; two models) and two private ones."""
    shapes = [(640, 400), (400, 640), (500, 500), (640, 400), (400, 640), (500, 500), (600, 420)]
    public = []
    for i, (w, h) in enumerate(shapes):
        model = {"name": "Alpha" if i % 2 else "Beta", "version": "1"}
        prompt = f"picture number {i} of a {'fox' if i < 2 else 'heron'}"
        public.append(
            make_public(
                ingest_now(images.png(w, h, seed=i), provenance(model=model, prompt=prompt)).asset
            )
        )
    GenerativeModel.objects.update(prompts_public_by_default=True)
    hidden = ingest_now(images.png(300, 300, seed=90), provenance(prompt="secret fox plans")).asset
    rejected = ingest_now(images.png(300, 300, seed=91)).asset
    Asset.objects.filter(pk=rejected.pk).update(moderation_status="rejected")
    return public, [hidden, rejected]


def ids_on(html: str) -> set[str]:
    return set(re.findall(r"/images/([0-9a-f-]{36})/", html))


def test_gallery_lists_only_public_assets(client, gallery):
    public, private = gallery
    html = client.get("/").content.decode()
    assert ids_on(html) == {str(a.pk) for a in public}
    for a in private:
        assert str(a.pk) not in html


def test_only_the_first_image_is_eager_with_high_priority(client, gallery):
    html = client.get("/").content.decode()
    imgs = re.findall(r"<img src=[^>]*>", html)
    assert len(imgs) == 7
    for i, tag in enumerate(imgs):
        if i == 0:
            assert 'fetchpriority="high"' in tag and 'loading="eager"' in tag
        else:
            assert "fetchpriority" not in tag and 'loading="lazy"' in tag
    assert "(min-width: 1200px) calc((100vw - 80px) / 4)" in imgs[0]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("aspect=landscape", {0, 3, 6}),
        ("aspect=portrait", {1, 4}),
        ("aspect=square", {2, 5}),
        ("q=fox", {0, 1}),
        ("q=heron+number", {2, 3, 4, 5, 6}),
        ("q=secret", set()),
    ],
)
def test_filters(client, gallery, query, expected):
    public, _ = gallery
    html = client.get(f"/?{query}").content.decode()
    assert ids_on(html) == {str(public[i].pk) for i in expected}


def test_model_and_date_filters(client, gallery):
    public, _ = gallery
    alpha = GenerativeModel.objects.get(name="Alpha")
    html = client.get(f"/?model={alpha.pk}").content.decode()
    assert ids_on(html) == {str(public[i].pk) for i in (1, 3, 5)}
    Asset.objects.filter(pk=public[0].pk).update(created_at="2020-01-01T00:00:00Z")
    html = client.get("/?date_before=2021-01-01").content.decode()
    assert ids_on(html) == {str(public[0].pk)}
    bad = client.get("/?date_after=not-a-date")
    assert bad.status_code == 200 and "Enter a valid date" in bad.content.decode()


def test_private_prompts_are_never_searched_or_shown(client, gallery):
    public, _ = gallery
    GenerativeModel.objects.update(prompts_public_by_default=False)
    assert ids_on(client.get("/?q=fox").content.decode()) == set()
    page = client.get(f"/images/{public[0].pk}/").content.decode()
    assert "picture number 0" not in page and "Not public" in page
    prov = public[0].provenance
    prov.prompt_visibility = "public"
    prov.save()
    assert ids_on(client.get("/?q=fox").content.decode()) == {str(public[0].pk)}
    assert "picture number 0" in client.get(f"/images/{public[0].pk}/").content.decode()


def test_pagination_and_query_budget(client, gallery, monkeypatch):
    from public import views

    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/").content.decode()
    assert len(queries) <= 5, [q["sql"] for q in queries]
    assert len(ids_on(first)) == 3 and 'rel="next"' in first and "Page 1 of 3" in first
    third = client.get("/?aspect=&page=3").content.decode()
    assert len(ids_on(third)) == 1 and 'rel="prev"' in third
    assert third.count('fetchpriority="high"') == 1, "a later page opens at its top too"
    assert "aspect=&amp;page=2" in third, "filters survive pagination"
    assert client.get("/?page=999").status_code == 200


def test_asset_page_shows_provenance_and_takedown_link(client, gallery):
    asset = gallery[0][2]
    html = client.get(f"/images/{asset.pk}/").content.decode()
    assert "AI-generated" in html and "Beta 1" in html
    assert "picture number 2 of a heron" in html
    assert f"/takedown/?asset={asset.pk}" in html
    assert html.count("<picture>") == 1 and 'fetchpriority="high"' in html


def test_unapproved_asset_pages_are_404(client, gallery):
    for asset in gallery[1]:
        assert client.get(f"/images/{asset.pk}/").status_code == 404


def test_anonymous_crawl_never_reaches_an_unapproved_asset(client, gallery):
    """Walk every same-site link from the home page; no private id or URL may appear."""
    _, private = gallery
    secrets = {str(a.pk) for a in private} | {a.sha256[:16] for a in private}
    seen, queue = set(), ["/"]
    while queue and len(seen) < 200:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code in (200, 301, 302, 404), url
        body = response.content.decode(errors="replace") if response.status_code == 200 else ""
        for secret in secrets:
            assert secret not in body, f"{secret} leaked on {url}"
        if "text/html" in response.get("Content-Type", ""):
            for href in re.findall(r'(?:href|src)="(/[^"#]*)"', body.replace("&amp;", "&")):
                if not href.startswith(("/static/", "/admin")):
                    queue.append(href)
    assert len(seen) > 10
