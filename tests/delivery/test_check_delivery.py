"""check_delivery through real Varnish: passes on a healthy CDN, fails on bad bytes or types."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from delivery.signing import variant_path
from tests import images
from tests.delivery.helpers import make_public

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("check_delivery", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_passes_behind_varnish_then_fails_on_a_corrupted_file(
    varnish_live, ingest_now, media_root, tmp_path
):
    healthy = make_public(ingest_now(images.png(480, 320, seed=1)).asset)
    ingest_now(images.png(480, 320, seed=2))  # unapproved: must answer 404 through the CDN
    metrics = tmp_path / "delivery.prom"
    out = run("--base-url", varnish_live.base_url, "--sample", "50", "--metrics-file", str(metrics))
    assert out.count("OK     public") == healthy.variants.count() == 6
    assert out.count("OK     private") == 5  # --private-sample defaults to 5
    assert out.splitlines()[-1].startswith("11 passed, 0 failed; median decode")
    text = metrics.read_text()
    assert 'aiassets_delivery_check_failures{kind="public",region="default"} 0.0' in text
    assert 'aiassets_delivery_checks{kind="private",region="default"}' in text

    broken = make_public(ingest_now(images.png(480, 320, seed=3)).asset)
    victim = broken.variants.get(width=320, format="jpeg")
    path = media_root / "public" / victim.key
    path.write_bytes(path.read_bytes()[: victim.bytes // 2])
    with pytest.raises(CommandError) as err:
        run("--base-url", varnish_live.base_url, "--sample", "50", "--metrics-file", str(metrics))
    assert err.value.returncode == 1
    assert 'aiassets_delivery_check_failures{kind="public",region="default"} 1.0' in (
        metrics.read_text()
    )


def test_fails_on_a_wrong_content_type(http_server, ingest_now, media_root):
    asset = make_public(ingest_now(images.png(320, 240, seed=4)).asset)
    variant = asset.variants.get(format="webp")
    body = (media_root / "public" / variant.key).read_bytes()
    http_server.answer(
        200,
        body,
        **{
            "Content-Type": "application/octet-stream",
            "Cache-Control": "public, max-age=31536000, immutable",
            "Surrogate-Key": f"asset-{asset.id}",
        },
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "check_delivery",
            "--base-url",
            http_server.url,
            "--sample",
            "3",
            "--private-sample",
            "0",
            stdout=out,
            stderr=io.StringIO(),
        )
    text = out.getvalue()
    assert "Content-Type 'application/octet-stream', expected 'image/webp'" in text
    assert "decodes as WEBP, declared avif" in text  # the same bytes served for every URL
    assert any(r.path == variant_path(asset, variant) for r in http_server.requests)


def test_refuses_to_run_without_a_base_url(settings, db):
    settings.DELIVERY_PUBLIC_BASE_URL = ""
    with pytest.raises(CommandError, match="base URL"):
        run()
