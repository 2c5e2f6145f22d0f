"""The django-pictures side of bench/render.py: one PictureField, configured in render_settings."""

from django.db import models
from pictures.models import PictureField

# Widths come from PICTURES (PIXEL_DENSITIES) and these two: see render_settings.PICTURES_LADDER.
CONTAINER_WIDTH = 1600
GRID_COLUMNS = 5


class Photo(models.Model):
    title = models.CharField(max_length=200)
    alt = models.CharField(max_length=200, blank=True, default="")
    picture = PictureField(
        upload_to="pictures",
        aspect_ratios=[None],  # keep the source's ratio, as ours does
        file_types=["AVIF", "WEBP", "JPEG"],
        container_width=CONTAINER_WIDTH,
        grid_columns=GRID_COLUMNS,
        width_field="picture_width",
        height_field="picture_height",
    )
    picture_width = models.PositiveIntegerField(null=True, blank=True)
    picture_height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title
