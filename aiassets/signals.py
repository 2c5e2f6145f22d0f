"""Signals through which the apps talk. aiassets defines them; moderation and delivery use them.

asset_visibility_changed(sender, asset_id, old_status, new_status, delivery_version)
    Sent on commit whenever an asset enters or leaves public view.
variants_ready(sender, asset_id)
    Sent after a derivatives build finishes with every planned variant ready.
"""

from django.dispatch import Signal

asset_visibility_changed = Signal()
variants_ready = Signal()
asset_ingested = Signal()  # (sender, asset_id): sent on commit of a new asset
