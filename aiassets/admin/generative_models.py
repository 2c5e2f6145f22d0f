"""Generative models in the admin: a change to the rules that shape renditions republishes
their assets in the background."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction

from ..models import Asset, GenerativeModel
from ..signals import model_rules_changed

# A generative model's fields that shape its assets' public renditions.
RENDITION_RULES = ("redact_faces", "prompts_public_by_default")


@admin.register(GenerativeModel)
class GenerativeModelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "version",
        "licence",
        "restricts_public_use",
        "redact_faces",
        "prompts_public_by_default",
        "created_at",
    ]
    list_filter = ["restricts_public_use", "redact_faces", "prompts_public_by_default"]
    search_fields = ["name", "version", "licence"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = [f for f in RENDITION_RULES if f in form.changed_data]
        if change and changed:  # moderation republishes them in the background
            transaction.on_commit(
                lambda: model_rules_changed.send(
                    sender=GenerativeModel, model_id=obj.pk, fields=changed
                )
            )
            count = Asset.objects.filter(provenance__model=obj, erased_at__isnull=True).count()
            self.message_user(
                request,
                f"Variants of {count} asset(s) are being rebuilt to match, in the background.",
                messages.INFO,
            )
