from django.apps import AppConfig


class AiassetsConfig(AppConfig):
    name = "aiassets"
    verbose_name = "AI assets"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers system checks)
        from .c2pa import checks as c2pa_checks
        from .conf import app_settings
        from .groups import ensure_groups

        c2pa_checks.register()
        app_settings.install_defaults()
        post_migrate.connect(ensure_groups, sender=self)
