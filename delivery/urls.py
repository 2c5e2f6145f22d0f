from django.urls import path, register_converter

from . import provenance, views


class HexConverter:
    regex = "[0-9a-f]{16}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RecipeConverter(HexConverter):
    regex = "[0-9a-f]{8}"


register_converter(HexConverter, "hex16")
register_converter(RecipeConverter, "recipe")

app_name = "delivery"
urlpatterns = [
    path(
        "media/v/<uuid:asset_id>/<hex16:sha16>/<int:version>/<int:width>w-<recipe:recipe>.<str:ext>",
        views.origin,
        name="origin",
    ),
    path(
        "media/t/<uuid:asset_id>/<hex16:sha16>/<int:version>/<int:width>w.<str:ext>",
        views.transform,
        name="transform",
    ),
    path(
        "media/t/<uuid:asset_id>/<hex16:sha16>/<int:version>/<int:width>w-<str:ratio>.<str:ext>",
        views.transform,
        name="transform_crop",
    ),
    path("provenance/<uuid:asset_id>.json", provenance.record, name="provenance_record"),
]
