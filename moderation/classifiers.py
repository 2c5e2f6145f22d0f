"""Image classifiers behind a small protocol, chosen in settings (MODERATION_CLASSIFIERS).

A classifier has a ``name`` and ``version`` and ``classify(image) -> Result``, where ``image``
is an upright sRGB PIL image no larger than MODERATION_CLASSIFY_MAX_SIDE. The default is
NudeNet 3.4.2: its wheel carries the 320n ONNX model, so it runs offline. Its weights derive
from an Ultralytics (AGPL-3.0) model; the operator decides whether that licence suits them and
can swap in any other class that follows the protocol.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol, runtime_checkable

import numpy as np
from django.utils.module_loading import import_string
from PIL import Image

from aiassets import imaging, storage
from aiassets.models import Asset

from . import conf


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    box: tuple[int, int, int, int] | None = None  # x, y, w, h in the analysed image's pixels

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "score": round(self.score, 4), "box": self.box}


@dataclass(frozen=True)
class Result:
    """A classifier's answer. ``scores`` holds the highest score per label."""

    detections: tuple[Detection, ...] = ()
    width: int = 0
    height: int = 0
    extra_scores: dict[str, float] = field(default_factory=dict)  # image-level scores

    @property
    def scores(self) -> dict[str, float]:
        out = dict(self.extra_scores)
        for d in self.detections:
            out[d.label] = max(out.get(d.label, 0.0), d.score)
        return {label: round(score, 4) for label, score in out.items()}

    @property
    def labels(self) -> list[str]:
        return sorted(self.scores)

    @property
    def boxes(self) -> list[dict[str, Any]]:
        return [d.as_dict() for d in self.detections if d.box is not None]


@runtime_checkable
class Classifier(Protocol):
    name: str
    version: str

    def classify(self, image: Image.Image) -> Result: ...


class NudeNetClassifier:
    """NudeNet's detector (320n ONNX), loaded once per process on first use."""

    name = "nudenet"
    version = "3.4.2"
    _detector: Any = None
    _lock = threading.Lock()

    @classmethod
    def detector(cls) -> Any:
        if cls._detector is None:
            with cls._lock:
                if cls._detector is None:
                    from nudenet import NudeDetector

                    cls._detector = NudeDetector()
        return cls._detector

    def classify(self, image: Image.Image) -> Result:
        rgb = image.convert("RGB")
        bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])  # NudeNet wants cv2's BGR
        found = self.detector().detect(bgr)
        detections = tuple(
            Detection(
                label=str(d["class"]),
                score=float(d["score"]),
                box=tuple(int(v) for v in d["box"]),
            )
            for d in found
        )
        return Result(detections=detections, width=rgb.width, height=rgb.height)


@cache
def _load(path: str) -> Classifier:
    obj = import_string(path)
    instance = obj() if isinstance(obj, type) else obj
    if not isinstance(instance, Classifier):
        raise TypeError(f"{path} is not a classifier (name, version, classify(image))")
    return instance


def configured() -> list[Classifier]:
    """The classifiers named in MODERATION_CLASSIFIERS, instantiated once per process."""
    return [_load(path) for path in conf.get("MODERATION_CLASSIFIERS")]


def load_image(asset: Asset) -> Image.Image:
    """The asset's original, decoded with ingest's limits and shrunk for the classifiers."""
    from aiassets.renditions import limits

    with storage.originals().open(asset.original_key, "rb") as fh:
        data = fh.read()
    im, info = imaging.open_image(data, limits())
    del data
    size = imaging.thumbnail_size(info.width, info.height, conf.get("MODERATION_CLASSIFY_MAX_SIDE"))
    return imaging.normalize(im, size)
