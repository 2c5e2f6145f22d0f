"""Queue counts for the admin index, in workflow order: what waits for a human first.

Each count is one query that stays cheap however large the table grows: it walks the queue
index ``asset_queue_idx`` (status, queued_at) and stops after ``CAP`` + 1 rows, so a long
queue reads "1,000+". The auto-rejected queue walks its own partial index the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.urls import reverse

from aiassets.models import Asset

from .. import queues
from ..models import AutoRejected, Escalated, NeedsReview, TakenDown

CAP = 1000
ORDER = [NeedsReview, Escalated, AutoRejected, TakenDown]  # the workflow's order


@dataclass(frozen=True)
class QueueCount:
    label: str
    url: str
    grid_url: str
    next_url: str
    count: int
    more: bool  # the queue holds more than ``count``

    @property
    def shown(self) -> str:
        return f"{self.count:,}+" if self.more else f"{self.count:,}"


def bounded(queue: QuerySet) -> tuple[int, bool]:
    return queues.bounded_count(queue, CAP)


def _count(model_admin: Any) -> tuple[int, bool]:
    return bounded(model_admin.queue(Asset.objects.all()))


def queue_counts(request: Any, site: admin.AdminSite = admin.site) -> list[QueueCount]:
    """The queues this user may open, in workflow order, with bounded counts."""
    out = []
    for model in ORDER:
        model_admin = site.get_model_admin(model) if site.is_registered(model) else None
        if model_admin is None or not model_admin.has_view_permission(request):
            continue
        info = model._meta.app_label, model._meta.model_name
        count, more = _count(model_admin)
        out.append(
            QueueCount(
                label=str(model._meta.verbose_name_plural),
                url=reverse("admin:{}_{}_changelist".format(*info), current_app=site.name),
                grid_url=(
                    reverse("admin:{}_{}_grid".format(*info), current_app=site.name)
                    if model_admin.grid_decisions and model_admin.has_decide_permission(request)
                    else ""
                ),
                next_url=(
                    reverse("admin:{}_{}_next".format(*info), current_app=site.name)
                    if model_admin.offers_next and model_admin.has_decide_permission(request)
                    else ""
                ),
                count=count,
                more=more,
            )
        )
    return out
