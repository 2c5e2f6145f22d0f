from django.urls import path

from . import previews, views

app_name = "moderation"
urlpatterns = [
    path("takedown/", views.takedown_form, name="takedown"),
    path("takedown/status/<str:token>/", views.takedown_status, name="takedown_status"),
    path(
        "moderation/preview/<uuid:asset_id>/original",
        previews.preview_original,
        name="preview_original",
    ),
    path(
        "moderation/preview/<uuid:asset_id>/<int:variant_id>",
        previews.preview_variant,
        name="preview_variant",
    ),
]
