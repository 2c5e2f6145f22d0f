"""Email about takedown requests, through Django's email framework (the console backend in
development, SMTP from EMAIL_URL in production), and the signed link to a request's status.

The reporter gets a receipt with a status link when the request is filed, and a note when it
is resolved; moderators (users with the takedown permission, or MODERATION_NOTIFY_EMAILS) get
a notice of each new request. A mail failure is logged and never loses the request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from . import conf
from .models import TakedownRequest

logger = logging.getLogger(__name__)
STATUS_SALT = "moderation.takedown-status"
PERMISSION = "change_takedownrequest"


def status_token(req: TakedownRequest) -> str:
    return signing.dumps(str(req.pk), salt=STATUS_SALT, compress=True)


def request_from_token(token: str) -> TakedownRequest | None:
    """The request a status link names, or None for a tampered or unknown token."""
    try:
        pk = signing.loads(token, salt=STATUS_SALT)
    except signing.BadSignature:
        return None
    return TakedownRequest.objects.filter(pk=pk).first()


def status_url(req: TakedownRequest, base: str | None = None) -> str:
    """The status page's address; absolute (on SITE_URL unless ``base`` is given) for email."""
    base = settings.SITE_URL if base is None else base
    return base.rstrip("/") + reverse("moderation:takedown_status", args=[status_token(req)])


def moderator_emails() -> list[str]:
    configured = list(conf.get("MODERATION_NOTIFY_EMAILS") or [])
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    users = users.filter(
        Q(is_superuser=True)
        | Q(user_permissions__codename=PERMISSION)
        | Q(groups__permissions__codename=PERMISSION)
    ).distinct()
    return sorted(set(configured) | set(users.values_list("email", flat=True)))


def request_filed(req: TakedownRequest, base: str | None = None) -> None:
    """Receipt to the reporter, notice to the moderators."""
    base = settings.SITE_URL if base is None else base
    context = {"req": req, "status_url": status_url(req, base), "base": base.rstrip("/")}
    _send(
        f"We received your request {req.pk}",
        "moderation/email/takedown_receipt.txt",
        context,
        [req.requester_email],
    )
    moderators = moderator_emails()
    if moderators:
        _send(
            f"New takedown request: {req.get_reason_display()}",
            "moderation/email/takedown_notice.txt",
            context,
            moderators,
        )


def request_resolved(req: TakedownRequest, base: str | None = None) -> None:
    context = {"req": req, "status_url": status_url(req, base)}
    _send(
        f"Your request {req.pk}: {req.get_status_display()}",
        "moderation/email/takedown_resolved.txt",
        context,
        [req.requester_email],
    )


def _send(subject: str, template: str, context: dict, to: list[str]) -> None:
    try:
        send_mail(subject, render_to_string(template, context), None, to)
    except Exception:  # the request is stored; a mail outage must not lose or fail it
        logger.exception(
            "could not send %r to %d recipient(s)",
            subject,
            len(to),
            extra={"event": "moderation.mail_failed"},
        )
