"""Settings for bench/render.py only: the project's settings plus Wagtail and django-pictures.

A throwaway SQLite file and media root in RENDER_BENCH_TMP (render.py makes and removes it),
and every file storage a counting FileSystemStorage (bench/render_app/storage.py), so the
benchmark can tell how many storage calls a page makes. Nothing here touches var/.
"""

import os
import tempfile
from pathlib import Path

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, TEMPLATES

BENCH_TMP = Path(os.environ.get("RENDER_BENCH_TMP") or tempfile.mkdtemp(prefix="bench-render-"))
MEDIA_ROOT = BENCH_TMP / "media"
CDN = "https://img.example.com"
# Every library renders absolute CDN URLs, so the three pages carry comparable URLs.
MEDIA_URL = CDN + "/media/"
DELIVERY_PUBLIC_BASE_URL = CDN

DEBUG = False
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BENCH_TMP / "render.sqlite3")}
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
JOBS_INLINE = True
LOGGING_CONFIG = None  # no JSON log lines in the benchmark's output


def _counting(alias: str, sub: str) -> dict:
    return {
        "BACKEND": "render_app.storage.CountingStorage",
        "OPTIONS": {
            "alias": alias,
            "location": str(MEDIA_ROOT / sub),
            "base_url": f"{MEDIA_URL}{sub}/",
        },
    }


STORAGES = {
    # Wagtail's images and renditions and django-pictures' field use "default".
    "default": _counting("default", "default"),
    "originals": _counting("originals", "private"),
    "variants": _counting("variants", "public"),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

INSTALLED_APPS = [
    *INSTALLED_APPS,
    # Wagtail 8.0.1: what wagtail.images needs (core and collections, wagtail.admin for a
    # permission migration that wagtailimages depends on, tags, the search index).
    "wagtail",
    "wagtail.admin",
    "wagtail.images",
    "modelsearch",
    "taggit",
    "modelcluster",
    # django-pictures 1.8.0 (its templates) and the bench model with a PictureField.
    "pictures",
    "render_app",
]
WAGTAIL_SITE_NAME = "render bench"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"
# Renditions are made once in setup, with Wagtail's default encoder settings.
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 64 * 1024 * 1024

PICTURES = {
    "FILE_TYPES": ["AVIF", "WEBP", "JPEG"],
    # With render_app.models' container 1600 px and 5 columns these densities give the ladder
    # 320 480 640 960 1280 1440 1600 1920 2400 2560: 7 of our 9 widths exactly, 10 in all
    # (the closest its settings come to ours: widths are container x k/columns x density).
    "PIXEL_DENSITIES": [1, 1.5, 2],
    "USE_PLACEHOLDERS": False,
    "QUEUE_NAME": "default",  # exists in RQ_QUEUES and in TASKS, so pictures.tasks imports
}

# Both django-pictures and our delivery app ship a templatetag library named "pictures": name
# them explicitly so `{% load pictures %}` stays ours and django-pictures' is `dj_pictures`.
TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "libraries": {
                "pictures": "delivery.templatetags.pictures",
                "dj_pictures": "pictures.templatetags.pictures",
            },
        },
    }
]
