"""Content-Security-Policy (Django's own middleware, settings.SECURE_CSP) on every response, and
no violation in Chromium on the public pages, the admin pages editors and moderators use, and
the API docs (Swagger UI, served from django-ninja's static files, no inline script)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.http import HttpResponse
from django.urls import path

from aiassets.groups import ensure_groups
from aiassets.models import Asset
from config.csp import content_security_policy, origin
from moderation import workflow
from moderation.permissions import grant_moderator_permissions
from tests import images
from tests.delivery.helpers import make_public

HEADER = "Content-Security-Policy"

# The production policy allows style attributes ("style-src-attr 'unsafe-inline'") only because
# these pages still set some (aiassets/admin/columns.py: placeholder colours, failure counts).
# The browser test runs without that allowance and tolerates style-attribute violations on
# these pages alone; empty this once they use classes, then drop style-src-attr from config/csp.py.
STYLE_ATTRIBUTE_PAGES = ("/admin/aiassets/asset/",)

COLLECT_JS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`
));
"""


def boom(request):
    raise RuntimeError("a server error, on purpose")


def teapot(request):
    return HttpResponse("json", content_type="application/json", status=418)


urlpatterns = [path("boom/", boom), path("teapot/", teapot)]


# --- the header ---------------------------------------------------------------------------


def test_the_policy_refuses_inline_script_and_foreign_origins():
    policy = content_security_policy([], "https://cdn.example.com/media/", "")
    assert policy["script-src"] == ["'self'", "<CSP_NONCE_SENTINEL>"]
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    assert policy["img-src"] == ["'self'", "data:", "https://cdn.example.com"]
    assert policy["object-src"] == policy["frame-ancestors"] == ["'none'"]
    assert origin("img.example.com") == "https://img.example.com" and origin("") == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/takedown/", "/admin/login/", "/no-such-page/", "/api/v1/docs"]
)
def test_every_page_has_the_header(client, url):
    response = client.get(url)
    policy = response[HEADER]
    assert "script-src 'self' 'nonce-" in policy or "script-src 'self'" in policy, policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.urls("tests.test_csp")
def test_error_pages_and_other_responses_have_it_too(client):
    client.raise_request_exception = False
    assert client.get("/boom/").status_code == 500
    assert HEADER in client.get("/boom/")
    assert HEADER in client.get("/teapot/")
    assert HEADER in client.get("/missing/")


def test_the_nonce_is_fresh_per_request_and_matches_the_page(admin_client):
    first = admin_client.get("/admin/ops/dashboard/")
    second = admin_client.get("/admin/ops/dashboard/")
    nonce = first[HEADER].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">' in first.content.decode()
    assert nonce not in second[HEADER]


# --- Chromium ------------------------------------------------------------------------------


def _user(name: str, group: str | None = None, superuser: bool = False) -> User:
    user = User.objects.create_user(name, password=f"pw-{name}", is_staff=True)
    user.is_superuser = superuser
    user.save()
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def _session_cookie(client, user: User, base_url: str) -> dict:
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}


def _visit(browser, base_url: str, paths: list[str], cookie: dict | None = None) -> list[str]:
    """Open each page in Chromium; every CSP violation and CSP console error, by page."""
    context = browser.new_context(base_url=base_url)
    found: list[str] = []
    try:
        if cookie:
            context.add_cookies([cookie])
        context.add_init_script(COLLECT_JS)
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if "Security Policy" in m.text else 0)
        for url in paths:
            response = page.goto(url, wait_until="networkidle")
            assert response is not None and response.status in (200, 404), (url, response)
            assert HEADER in response.headers or HEADER.lower() in response.headers, url
            if url.startswith("/api/v1/docs"):
                page.locator(".swagger-ui .info").wait_for()
                page.locator(".opblock").first.wait_for()
            found += [f"{url}: {v}" for v in page.evaluate("window.__csp")]
            found += [f"{url}: console: {text}" for text in console]
            console.clear()
    finally:
        context.close()
    return [v for v in found if not _tolerated(v)]


def _tolerated(violation: str) -> bool:
    page, _, what = violation.partition(": ")
    style_attribute = what.startswith("style-src-attr ") or "Applying inline style" in what
    return style_attribute and page.startswith(STYLE_ATTRIBUTE_PAGES)


@pytest.fixture
def site(ingest_now):
    ensure_groups()
    grant_moderator_permissions()
    public = [make_public(ingest_now(images.png(640, 400, seed=60 + i)).asset) for i in range(2)]
    pending = ingest_now(images.png(480, 360, seed=70)).asset
    workflow.send_to_review(pending)
    return {"public": public, "pending": Asset.objects.get(pk=pending.pk)}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_csp_violation_in_chromium(browser, live_server, client, site, settings):
    settings.SECURE_CSP = {k: v for k, v in settings.SECURE_CSP.items() if k != "style-src-attr"}
    base = live_server.url
    public, pending = site["public"], site["pending"]
    anonymous = [
        "/",
        "/?aspect=portrait",
        f"/images/{public[0].pk}/",
        "/takedown/",
        "/no-such-page/",
        "/admin/login/",
        "/api/v1/docs",
    ]
    editor = [
        "/admin/",
        "/admin/aiassets/asset/",
        "/admin/aiassets/asset/add/",
        f"/admin/aiassets/asset/{public[0].pk}/change/",
        "/admin/aiassets/asset/verify/",
        "/admin/aiassets/generativemodel/",
    ]
    moderator = [
        "/admin/",
        "/admin/moderation/needsreview/",
        f"/admin/moderation/needsreview/{pending.pk}/change/",
        "/admin/moderation/takedownrequest/",
        "/admin/moderation/decision/",
    ]
    found = _visit(browser, base, anonymous)
    found += _visit(browser, base, editor, _session_cookie(client, _user("ed", "editors"), base))
    found += _visit(
        browser, base, moderator, _session_cookie(client, _user("mo", "moderators"), base)
    )
    root = _user("root", superuser=True)
    found += _visit(browser, base, ["/admin/ops/dashboard/"], _session_cookie(client, root, base))
    assert found == [], "\n".join(found)
