"""Test helpers for delivery. Moderation state is set directly here only to arrange fixtures;
production code changes it through moderation.workflow alone."""

from aiassets.models import Asset


def make_public(asset: Asset) -> Asset:
    Asset.objects.filter(pk=asset.pk).update(moderation_status="approved", published=True)
    asset.refresh_from_db()
    return asset


def supersede(asset: Asset) -> Asset:
    """What leaving public view does to URLs: a new delivery version."""
    Asset.objects.filter(pk=asset.pk).update(
        moderation_status="rejected", published=False, delivery_version=asset.delivery_version + 1
    )
    asset.refresh_from_db()
    return asset
