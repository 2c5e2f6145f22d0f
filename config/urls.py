from django.contrib import admin
from django.urls import include, path

from api.site import api

urlpatterns = [
    path("admin/django-rq/", include("ops.rqadmin")),  # superusers only
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("ops.urls")),
    path("", include("moderation.urls")),
    path("", include("delivery.urls")),
    path("", include("public.urls")),
]
