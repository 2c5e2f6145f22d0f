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


class Rollup(models.Model):
    """One number of a rollup (``name``, ``key`` → ``value``), refreshed by ops.rollups.refresh().

    /metrics and the dashboard read these few rows instead of grouping whole tables."""

    name = models.CharField(max_length=50)
    key = models.CharField(max_length=100, blank=True, default="")
    value = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "key"], name="ops_rollup_unique")]

    def __str__(self) -> str:
        return f"{self.name}[{self.key}] = {self.value}"


class RollupDelta(models.Model):
    """A change to a rollup count not yet folded into it, written by database triggers as the
    counted rows change (ops/rollup_triggers.py) and folded by ops.rollups.refresh()."""

    name = models.CharField(max_length=50)
    key = models.CharField(max_length=100, blank=True, default="")
    delta = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name}[{self.key}] {self.delta:+d}"
