from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("takedown/", views.takedown_form, name="takedown"),
    path("takedown/status/<str:token>/", views.takedown_status, name="takedown_status"),
    path("api/v1/takedowns", views.takedown_api, name="takedown_api"),
]
