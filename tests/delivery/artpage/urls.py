"""A test-only page using {% picture %} with a ratio and art direction, beside the real URLs."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path

from aiassets.models import Asset

PAGE = """{% load pictures static %}<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Art direction</title>
<link rel="stylesheet" href="{% static 'delivery/pictures.css' %}"></head>
<body><main>{% picture asset ratio="1/1" art=art sizes="100vw" loading="eager" %}</main>
<p>After the image.</p></body></html>"""
ART = "(min-width: 1000px)=16/9; (min-width: 600px)=4/3"


def art_page(request, asset_id):
    asset = Asset.objects.with_variants().get(pk=asset_id)
    html = engines["django"].from_string(PAGE).render({"asset": asset, "art": ART}, request)
    return HttpResponse(html)


urlpatterns = [
    path("art/<uuid:asset_id>/", art_page),
    path("", include("config.urls")),
]
