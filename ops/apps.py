from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  (registers system checks)
            deploy_checks,  # noqa: F401
            rqadmin,
        )
        from .conf import app_settings

        app_settings.install_defaults()
        from django.db.models.signals import post_migrate

        from .rollup_triggers import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="ops_rollup_triggers")
        rqadmin.register()  # the RQ dashboard in the admin: superusers only
