"""No tables. ``Dashboard`` exists only to give the operations dashboard its entry in the admin
index and its URL (``/admin/ops/dashboard/``); see ops/admin.py."""

from django.db import models


class Dashboard(models.Model):
    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = "operations dashboard"
        verbose_name_plural = "Operations dashboard"

    def __str__(self) -> str:
        return "Operations dashboard"
