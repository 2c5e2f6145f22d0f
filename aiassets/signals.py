"""Signals through which the apps talk. aiassets defines them; moderation and delivery use them.

asset_ingested(sender, asset_id)
    Sent on commit of a newly ingested asset (moderation classifies it).
asset_visibility_changed(sender, asset_id, old_status, new_status, was_public, is_public,
                         old_delivery_version, delivery_version)
    Sent on commit by moderation.workflow after every transition. When an asset leaves public
    view its delivery_version has been bumped, so URLs under old_delivery_version are dead and
    delivery purges them (and the asset's surrogate key) from the CDN.
asset_erased(sender, asset_id, delivery_version)
    Sent on commit after an asset's files were erased (delivery purges what the CDN holds).
variants_ready(sender, asset_id)
    Sent after a derivatives build finishes with every planned variant ready.
renditions_retiring(sender, asset, variants, was_public)
    Sent synchronously, inside the transaction, just BEFORE renditions' rows are deleted (a
    recipe changed, the asset is erased). ``asset`` is as it was served (its delivery_version
    names the URLs); ``was_public`` says whether those URLs were public. Delivery records the
    URLs to purge right then: nothing is re-derived later, when the rows are gone.
model_rules_changed(sender, model_id, fields)
    Sent on commit when a generative model's rules that shape public renditions changed
    (``redact_faces``, ``prompts_public_by_default``): moderation republishes its assets in
    the background.
"""

from django.dispatch import Signal

asset_ingested = Signal()
asset_visibility_changed = Signal()
variants_ready = Signal()
asset_erased = Signal()
renditions_retiring = Signal()
model_rules_changed = Signal()
