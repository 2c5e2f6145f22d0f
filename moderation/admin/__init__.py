"""Moderation in the Django admin: review queues, the review page, takedowns, the audit log."""

from . import audit, erasure, queues, takedowns  # noqa: F401  (registers the ModelAdmins)
