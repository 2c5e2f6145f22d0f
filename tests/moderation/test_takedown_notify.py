"""Takedown email (Django's in-memory backend), the signed status page and ``?asset=``."""

from __future__ import annotations

import pytest
from django.core import mail

from moderation import notify, takedown
from moderation.models import TakedownRequest

from .test_takedown import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.SITE_URL = "https://images.example.org"


def test_filing_emails_the_reporter_and_the_moderators(client, make_asset, moderator):
    moderator.email = "mod@example.org"
    moderator.save()
    asset = make_asset("approved", published=True)
    response = client.post("/takedown/", form_data(evidence_url=str(asset.pk)))
    assert response.status_code == 200
    req = TakedownRequest.objects.get()
    receipt, notice = mail.outbox
    assert receipt.to == ["ada@example.org"] and str(req.pk) in receipt.body
    link = notify.status_url(req)
    assert link.startswith("https://images.example.org/takedown/status/")
    # The link is timestamp-signed: compare up to the timestamp (this signing may fall in the
    # next second).
    assert link.rsplit(":", 2)[0] + ":" in receipt.body
    assert notice.to == ["mod@example.org"]
    assert f"/admin/moderation/takedownrequest/{req.pk}/change/" in notice.body


def test_status_page_needs_the_signed_link(client, make_asset, moderator):
    asset = make_asset("approved", published=True)
    client.post("/takedown/", form_data(evidence_url=str(asset.pk)))
    req = TakedownRequest.objects.get()
    page = client.get(notify.status_url(req, ""))
    assert page.status_code == 200 and str(req.pk) in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    token = notify.status_token(req)
    assert client.get(f"/takedown/status/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/takedown/status/{req.pk}/").status_code == 404


def test_resolution_emails_the_reporter(client, make_asset, moderator):
    asset = make_asset("approved", published=True)
    client.post("/takedown/", form_data(evidence_url=str(asset.pk)))
    req = TakedownRequest.objects.get()
    mail.outbox.clear()
    takedown.dismiss(req, moderator, note="Not ours.")
    (message,) = mail.outbox
    assert message.to == ["ada@example.org"] and "Dismissed" in message.body
    assert "Not ours." in message.body


def test_a_mail_outage_keeps_the_request(client, make_asset, settings):
    settings.MAILERS = {  # nothing listens on port 9
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 9, "timeout": 2},
        }
    }
    asset = make_asset("approved", published=True)
    response = client.post("/takedown/", form_data(evidence_url=str(asset.pk)))
    assert response.status_code == 200
    assert TakedownRequest.objects.count() == 1


def test_report_link_fills_in_a_public_asset_only(client, make_asset):
    public = make_asset("approved", published=True)
    hidden = make_asset("in_review")
    page = client.get(f"/takedown/?asset={public.pk}").content.decode()
    assert f'value="{public.pk}"' in page and "You are reporting" in page
    for value in (hidden.pk, "not-a-uuid", "²"):
        page = client.get(f"/takedown/?asset={value}").content.decode()
        assert "You are reporting" not in page and str(hidden.pk) not in page


def test_takedown_pages_carry_the_site_header(client):
    html = client.get("/takedown/").content.decode()
    assert 'class="site-header"' in html
