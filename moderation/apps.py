from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from aiassets.signals import asset_ingested

        from . import checks  # noqa: F401  (registers system checks)
        from .permissions import grant_moderator_permissions
        from .receivers import on_asset_ingested

        asset_ingested.connect(on_asset_ingested, dispatch_uid="moderation.classify_on_ingest")
        post_migrate.connect(grant_moderator_permissions, sender=self)
