from django.urls import path

from . import views

app_name = "moderation"
urlpatterns = [
    path("takedown/", views.takedown_form, name="takedown"),
]
