from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "public"
    verbose_name = "Public site"

    def ready(self) -> None:
        from django.urls import reverse

        from aiassets import pagehooks as hooks

        # The asset page links here only while the asset is public (aiassets checks that).
        hooks.provide(hooks.PUBLIC_URL, lambda asset: reverse("public:asset", args=[asset.pk]))
