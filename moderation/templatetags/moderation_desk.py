"""``{% review_desk %}``: the moderation queues and their counts on the admin index."""

from __future__ import annotations

from typing import Any

from django import template

from ..admin.counts import queue_counts
from ..permissions import can_decide, can_take_down

register = template.Library()


@register.inclusion_tag("admin/moderation/review_desk.html", takes_context=True)
def review_desk(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not (can_decide(user) or can_take_down(user)):
        return {"queues": []}
    return {"queues": queue_counts(request)}
