from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from aiassets.signals import asset_ingested, model_rules_changed

        from . import checks  # noqa: F401  (registers system checks)
        from .permissions import grant_moderator_permissions
        from .receivers import on_asset_ingested, on_model_rules_changed

        asset_ingested.connect(on_asset_ingested, dispatch_uid="moderation.classify_on_ingest")
        model_rules_changed.connect(
            on_model_rules_changed, dispatch_uid="moderation.republish_on_model_rules_changed"
        )
        post_migrate.connect(grant_moderator_permissions, sender=self)
        self._provide_editor_page()

    def _provide_editor_page(self) -> None:
        """The state sentence and the decision timeline on aiassets' asset page."""
        from aiassets import pagehooks as hooks

        from . import editor

        hooks.provide(hooks.MODERATION_STATE, editor.state_sentence)
        hooks.provide(hooks.MODERATION_TIMELINE, editor.timeline)
