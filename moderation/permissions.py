"""Who may do what in moderation. Only the "moderators" group decides; editors get nothing
here (they upload and edit metadata in aiassets). Superusers have every permission anyway."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission

MODERATOR_PERMISSIONS = [
    "decide",
    "take_down",
    "view_decision",
    "view_classification",
    "view_takedownrequest",
    "add_takedownrequest",
    "change_takedownrequest",
    "view_needsreview",
    "view_autorejected",
    "view_escalated",
    "view_takendown",
]

DECIDE = "moderation.decide"
TAKE_DOWN = "moderation.take_down"


def grant_moderator_permissions(**kwargs: Any) -> None:
    """post_migrate: give the moderators group its moderation permissions (idempotent)."""
    group, _ = Group.objects.get_or_create(name="moderators")
    perms = Permission.objects.filter(
        content_type__app_label="moderation", codename__in=MODERATOR_PERMISSIONS
    )
    group.permissions.add(*perms)


def can_decide(user: Any) -> bool:
    return bool(user and user.is_active and user.has_perm(DECIDE))


def can_take_down(user: Any) -> bool:
    return bool(user and user.is_active and user.has_perm(TAKE_DOWN))
