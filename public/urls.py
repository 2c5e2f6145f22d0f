from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("images/<uuid:asset_id>/", views.asset_detail, name="asset"),
]
