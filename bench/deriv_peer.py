"""django-pictures 1.8.0 through its own entry point, for bench/derivatives.py.

1.8.0 is the newest release that installs on Python 3.13 (1.9.0 and later need Python 3.14).
Its processing entry point is ``pictures.tasks.process_picture``, the default
PICTURES["PROCESSOR"]. On Django 6 it enqueues ``process_picture_with_django_tasks`` on commit
through Django's tasks framework; the project sets no TASKS, so Django's default
ImmediateBackend runs it in-process, as a worker would. The task opens the original from a
storage, pre-processes it (EXIF transpose, ICC -> sRGB, RGBA), resizes each
PillowPicture with Image.thumbnail and saves it to the same storage. It passes no encoder
options, so Pillow 13's defaults apply: AVIF q75 speed 6 with max_threads = the CPUs this
process may use, WebP q80 method 4 (single thread), JPEG q75 baseline.

The storage is a FileSystemStorage in a temporary directory on the same disk as ours.
Uploading the original (what the model field's save does) is not timed; processing is.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage

# pictures.tasks registers task wrappers at import (django-rq, django.tasks): point them at a
# queue that exists in the project's settings so the import works unchanged.
settings.PICTURES = {"QUEUE_NAME": "default", "USE_PLACEHOLDERS": False}

from pictures.models import PillowPicture  # noqa: E402
from pictures.tasks import process_picture  # noqa: E402

PIL_NAME = {"avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}
FROM_PIL = {v: k for k, v in PIL_NAME.items()}
VERSION = "1.8.0"


def avif_threads() -> int:
    """Pillow's default AVIF max_threads (what django-pictures gets: it passes none)."""
    from PIL import AvifImagePlugin

    return AvifImagePlugin._get_default_max_threads()


class Peer:
    def __init__(self, root: Path):
        self.storage = FileSystemStorage(location=str(root))

    def upload(self, name: str, png: bytes) -> str:
        file_name = f"src/{name}.png"
        self.storage.delete(file_name)
        return self.storage.save(file_name, ContentFile(png))

    def pictures(self, file_name: str, pairs: list[tuple[int, str]]) -> list[PillowPicture]:
        """One PillowPicture per (width, format), as a PictureField with those widths makes."""
        return [PillowPicture(file_name, PIL_NAME[fmt], None, self.storage, w) for w, fmt in pairs]

    def process(self, file_name: str, pictures: list[PillowPicture]) -> None:
        process_picture(
            storage=self.storage.deconstruct(),
            file_name=file_name,
            sender=None,
            new=[p.deconstruct() for p in pictures],
            old=[],
        )

    def resized(self, file_name: str, widths: list[int]) -> list:
        """Its resizes alone (pre_process + PillowPicture.resize), for the resampler score."""
        from PIL import Image

        with self.storage.open(file_name) as fh, Image.open(fh) as img:
            img = PillowPicture.pre_process(img)
            return [
                PillowPicture(file_name, "PNG", None, self.storage, w).resize(img) for w in widths
            ]

    def outputs(self, pictures: list[PillowPicture]) -> list[tuple[int, str, bytes]]:
        out = []
        for p in pictures:
            with self.storage.open(p.name, "rb") as fh:
                out.append((p.width, FROM_PIL[p.file_type], fh.read()))
        return out

    def clear(self, pictures: list[PillowPicture]) -> None:
        for p in pictures:
            if os.path.exists(self.storage.path(p.name)):
                self.storage.delete(p.name)
