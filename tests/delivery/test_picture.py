"""{% picture %} and {% picture_url %}: structure, order, escaping, query budget, no storage."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.files.storage import Storage
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from aiassets.models import Asset, Provenance, Variant
from tests import images
from tests.delivery.helpers import make_public

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load pictures %}" + source).render(Context(context))


def attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([a-z-]+)="([^"]*)"', tag))


@pytest.fixture
def asset(ingest_now):
    return make_public(ingest_now(images.png(1000, 500)).asset)


def test_structure_and_order(asset):
    html = render('{% picture a sizes="(min-width: 1024px) 50vw, 100vw" %}', a=asset)
    picture = html[html.index("<picture>") : html.index("</picture>")]
    tags = re.findall(r"<(source|img)\b([^>]*)>", picture)
    assert [t[0] for t in tags] == ["source", "source", "img"]
    avif, webp, img = (attrs(t[1]) for t in tags)
    assert avif["type"] == "image/avif" and webp["type"] == "image/webp"
    for a in (avif, webp, img):
        assert a["sizes"] == "(min-width: 1024px) 50vw, 100vw"
        widths = [int(c.rsplit(" ", 1)[1][:-1]) for c in a["srcset"].split(", ")]
        assert widths == sorted(set(widths)) == [320, 640, 1000]
        assert (a["width"], a["height"]) == ("1000", "500")
    assert all(".avif " in c for c in avif["srcset"].split(", ")[:-1])
    assert img["src"].endswith(".jpg") and "1000w-" in img["src"]
    assert img["loading"] == "lazy" and img["decoding"] == "async"
    assert "fetchpriority" not in img
    assert img["alt"] == asset.default_alt()
    assert "/originals/" not in html and asset.sha256 not in html.replace(asset.sha256[:16], "")
    placeholder = re.search(r'<img class="aia-placeholder"([^>]*)>', html).group(1)
    assert attrs(placeholder)["src"].startswith("data:image/webp;base64,")
    assert attrs(placeholder)["aria-hidden"] == "true"
    assert "style=" not in html and "<script" not in html, "CSP-friendly"


def test_options_and_escaping(asset):
    html = render(
        '{% picture a alt=alt loading="eager" fetchpriority="high" '
        'class="hero x" data_role="lead" %}',
        a=asset,
        alt='"><script>alert(1)</script>',
    )
    img = attrs(re.search(r"<img src=[^>]*>", html).group(0))
    assert img["loading"] == "eager" and img["fetchpriority"] == "high"
    assert img["class"] == "hero x" and img["data-role"] == "lead"
    assert "<script>" not in html
    assert "&quot;&gt;&lt;script&gt;" in html


def test_alt_comes_from_the_asset(asset):
    Asset.objects.filter(pk=asset.pk).update(alt_text='Fox & "friends"')
    asset.refresh_from_db()
    html = render("{% picture a %}", a=asset)
    assert 'alt="Fox &amp; &quot;friends&quot;"' in html


def test_invalid_loading_and_priority_fall_back(asset):
    html = render('{% picture a loading="soon" fetchpriority="urgent" %}', a=asset)
    img = attrs(re.search(r"<img src=[^>]*>", html).group(0))
    assert img["loading"] == "lazy" and "fetchpriority" not in img


def test_not_ready_variants_are_left_out(asset):
    asset.variants.filter(format="avif").update(status="pending")
    asset.variants.filter(format="webp", width=1000).update(status="failed")
    html = render("{% picture a %}", a=asset)
    assert "image/avif" not in html
    webp = attrs(re.search(r'<source type="image/webp"[^>]*>', html).group(0))
    assert [c.split(" ")[1] for c in webp["srcset"].split(", ")] == ["320w", "640w"]


def test_nothing_ready_renders_only_the_placeholder_never_the_original(asset):
    asset.variants.update(status="pending")
    html = render("{% picture a %}", a=asset)
    assert "<picture>" not in html and "srcset" not in html
    placeholder = attrs(re.search(r'<img class="aia-placeholder"[^>]*>', html).group(0))
    assert placeholder["alt"] == asset.default_alt() and "aria-hidden" not in placeholder
    assert "originals" not in html and "/media/" not in html


def test_unapproved_assets_render_signed_urls_only(ingest_now):
    asset = ingest_now(images.png(700, 400)).asset
    html = render("{% picture a %}", a=asset)
    urls = re.findall(r"(/media/v/[^\s\"]+)", html)
    assert urls and all("sig=" in u for u in urls)


def test_picture_url(asset):
    url = render('{% picture_url a width=500 format="webp" %}', a=asset)
    assert "/640w-" in url and url.endswith(".webp")
    assert "/1000w-" in render("{% picture_url a width=5000 %}", a=asset)
    assert render("{% picture_url a width=10 format='avif' %}", a=asset).endswith(".avif")
    assert render("{% picture_url a format='png' %}", a=asset) == ""


class ExplodingStorage(Storage):
    """Any storage call fails the test: rendering must not touch storage."""

    def __getattribute__(self, name):
        if name.startswith("__"):
            return object.__getattribute__(self, name)
        raise AssertionError(f"storage.{name} called while rendering")


def clone(asset: Asset, n: int) -> None:
    """n more public assets with the same variant rows (files are never read when rendering)."""
    template = list(asset.variants.all())
    prov = asset.provenance
    for i in range(n):
        new = Asset.objects.create(
            sha256=f"{i:064x}",
            original_key="originals/x",
            format="PNG",
            mime_type="image/png",
            width=asset.width,
            height=asset.height,
            bytes=1,
            phash="0" * 16,
            placeholder=asset.placeholder,
            moderation_status="approved",
            published=True,
            id=uuid.uuid4(),
        )
        Provenance.objects.create(
            asset=new, model=prov.model, prompt="p", generated_at=prov.generated_at
        )
        Variant.objects.bulk_create(
            Variant(
                asset=new,
                width=v.width,
                height=v.height,
                format=v.format,
                recipe=v.recipe,
                key=v.key,
                bytes=v.bytes,
                status=v.status,
            )
            for v in template
        )


def test_a_page_of_100_renders_in_3_queries_and_no_storage_calls(asset, settings):
    clone(asset, 99)
    settings.STORAGES = {
        **settings.STORAGES,
        "originals": {"BACKEND": "tests.delivery.test_picture.ExplodingStorage"},
        "variants": {"BACKEND": "tests.delivery.test_picture.ExplodingStorage"},
    }
    page = Template(
        '{% load pictures %}{% for a in assets %}{% picture a sizes="25vw" %}{% endfor %}'
    )
    with CaptureQueriesContext(connection) as queries:
        assets = Asset.objects.public().with_variants().order_by("created_at")[:100]
        html = page.render(Context({"assets": assets}))
    assert len(queries) <= 3, [q["sql"] for q in queries]
    assert html.count("<picture>") == 100
    assert html.count('type="image/avif"') == 100
