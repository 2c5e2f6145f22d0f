"""The RQ dashboard (django-rq) for superusers only, with every one of its actions.

django-rq guards its views with ``staff_member_required``, so any editor or moderator could
empty queues or delete jobs. Both ways in are replaced here:
- ``/admin/django-rq/…``: ``urlpatterns`` below, django-rq's own patterns with each view wrapped;
- ``/admin/django_rq/dashboard/…``: the admin registration django-rq makes by itself is swapped
  for ``SuperuserQueueAdmin`` (ops.apps registers it), whose views and index entry are
  superuser-only.
Anonymous users are sent to the admin login; signed-in users who are not superusers get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, reverse
from django_rq import models as rq_models
from django_rq import urls as rq_urls
from django_rq.admin import QueueAdmin


def superuser_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not (request.user.is_active and request.user.is_superuser):
            raise PermissionDenied("The RQ dashboard is for superusers only.")
        return view(request, *args, **kwargs)

    return guarded


def _guarded(patterns: list[URLPattern]) -> list[URLPattern]:
    for pattern in patterns:
        pattern.callback = superuser_required(pattern.callback)
    return patterns


app_name = "django_rq"  # django-rq's templates reverse "django_rq:…"
urlpatterns = _guarded(rq_urls.get_api_urlpatterns() + rq_urls.get_admin_urlpatterns())


class SuperuserQueueAdmin(QueueAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        return superuser_required(super().changelist_view)(request, extra_context)

    def get_urls(self) -> list[URLPattern]:
        """django-rq's views and the changelist (its dashboard); not ModelAdmin's object views,
        which would query the table the unmanaged Dashboard model does not have."""
        urls = super().get_urls()
        keep = [u for u in urls if not getattr(u, "name", None) or "django_rq_" in u.name]
        keep = [u for u in keep if not str(u.pattern).startswith(("<path:object_id>", "add/"))]
        return _guarded(keep)


def register(site: admin.AdminSite = admin.site) -> None:
    """Replace django-rq's own registration (if any) with the superuser-only one."""
    if site.is_registered(rq_models.Dashboard):
        site.unregister(rq_models.Dashboard)
    site.register(rq_models.Dashboard, SuperuserQueueAdmin)
