from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from aiassets.signals import asset_erased, asset_visibility_changed, renditions_retiring

        from . import checks  # noqa: F401  (registers system checks)
        from .conf import app_settings
        from .receivers import purge_erased, purge_on_leaving_public_view, record_retiring

        app_settings.install_defaults()
        asset_erased.connect(purge_erased, dispatch_uid="delivery.purge_erased")
        renditions_retiring.connect(record_retiring, dispatch_uid="delivery.record_retiring")
        asset_visibility_changed.connect(
            purge_on_leaving_public_view, dispatch_uid="delivery.purge_on_leaving_public_view"
        )
        self._provide_rendition_links()

    def _provide_rendition_links(self) -> None:
        """Links on aiassets' asset page: immutable when public, signed and expiring else."""
        from aiassets import pagehooks as hooks

        from .signing import variant_url

        hooks.provide(hooks.RENDITION_URL, variant_url)
