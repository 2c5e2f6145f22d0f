"""The groups permissions follow: editors upload and edit metadata; moderators decide."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

GROUP_PERMISSIONS: dict[str, list[str]] = {
    "editors": [
        "aiassets.add_asset",
        "aiassets.change_asset",
        "aiassets.view_asset",
        "aiassets.rebuild_variants",
        "aiassets.view_variant",
        "aiassets.view_provenance",
        "aiassets.add_generativemodel",
        "aiassets.change_generativemodel",
        "aiassets.view_generativemodel",
        "aiassets.add_collection",
        "aiassets.change_collection",
        "aiassets.view_collection",
        "taggit.view_tag",
    ],
    "moderators": [
        "aiassets.view_asset",
        "aiassets.view_variant",
        "aiassets.view_provenance",
        "aiassets.view_generativemodel",
        "aiassets.view_collection",
    ],
}


def ensure_groups(**kwargs) -> None:
    """Create the groups and grant their permissions (idempotent; runs after migrate)."""
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                group.permissions.add(perm)
