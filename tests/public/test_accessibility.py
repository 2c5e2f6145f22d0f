"""axe-core in Chromium: no serious or critical violations on the public pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import images
from tests.delivery.helpers import make_public

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"


def violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_public_pages_have_no_serious_violations(browser, live_server, ingest_now):
    assets = [make_public(ingest_now(images.png(640, 400, seed=i)).asset) for i in range(3)]
    # bypass_csp: axe is injected as an inline script, which the site's CSP (rightly) refuses.
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    try:
        for path in ["/", "/?aspect=portrait", f"/images/{assets[0].pk}/", "/takedown/"]:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert violations(page) == [], path
    finally:
        page.close()
