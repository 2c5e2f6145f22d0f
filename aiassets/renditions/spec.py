"""THE rendition identity: one frozen spec per rendition, its recipe computed from declared inputs.

Every path that names a rendition goes through ``spec_for``/``Inputs.of``: the planned build,
the on-demand build, the on-demand lookup, retiring old renditions and the list of URLs to
purge. A recipe is a short hash of every input that shapes the bytes besides the source and
the width; when any of them changes, the key changes, and the old rendition is retired.

Declared inputs: width, format, encoder options, pipeline version, signer token (C2PA), the
redaction boxes' signature, prompt visibility (the signed manifest names a public prompt) and
the crop: a ratio slug ("16x9", "" means the full frame) and, for crops only, the asset's
focal rectangle. A new focal rectangle or ratio gives cropped renditions new keys; full-frame
keys never depend on the focal rectangle.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .. import c2pa, formats, imaging, storage
from ..imaging import crops
from ..models import Asset, Provenance

# Bump when the pipeline changes the bytes it makes (it changes every key).
PIPELINE_VERSION = "1"


# The provenance fields Inputs read (prompt_is_public, the model's face redaction), in
# ProvenanceFacts.of's order after the asset.
INPUT_FIELDS = (
    "asset_id",
    "prompt_visibility",
    "model__prompts_public_by_default",
    "model__redact_faces",
)


@dataclass(frozen=True)
class ModelFacts:
    redact_faces: bool


@dataclass(frozen=True)
class ProvenanceFacts:
    """What Inputs read of a Provenance and its model (``prompt_is_public``,
    ``model.redact_faces``), from one row of INPUT_FIELDS values."""

    prompt_is_public: bool
    model: ModelFacts

    @classmethod
    def of(cls, visibility: str, model_default: bool, redact_faces: bool) -> ProvenanceFacts:
        return cls(Provenance.prompt_public(visibility, model_default), ModelFacts(redact_faces))


@dataclass(frozen=True)
class Inputs:
    """What one asset contributes to every one of its recipes, read once per plan or build."""

    redaction: str = ""  # imaging.faces_signature() of the boxes pixelated ("" when none)
    prompt_public: bool = False  # the asset's (or its model's) prompt visibility
    signer: str = ""  # c2pa.recipe_token(): "" when signing is off
    pipeline: str = PIPELINE_VERSION
    focal: crops.Rect | None = None  # the asset's focal rectangle (rounded), None: centre

    @classmethod
    def of(cls, asset: Asset) -> Inputs:
        prov = Provenance.objects.filter(asset_id=asset.pk).select_related("model").first()
        return cls.read(asset, prov, c2pa.recipe_token() or "")

    @classmethod
    def many(cls, assets: Iterable[Asset]) -> dict[Any, Inputs]:
        """``Inputs.of`` of every asset, by asset pk, from one Provenance query (plain values:
        reconcile reads a million assets this way, and model instances cost 40 µs each)."""
        assets = list(assets)
        rows = Provenance.objects.filter(asset_id__in=[a.pk for a in assets])
        by_asset: dict[Any, ProvenanceFacts] = {}
        alike: dict[tuple, ProvenanceFacts] = {}
        for asset_id, *values in rows.values_list(*INPUT_FIELDS):
            key = tuple(values)
            if key not in alike:  # one ProvenanceFacts per distinct set of values
                alike[key] = ProvenanceFacts.of(*values)
            by_asset[asset_id] = alike[key]
        signer = c2pa.recipe_token() or ""
        return {a.pk: cls.read(a, by_asset.get(a.pk), signer) for a in assets}

    @classmethod
    def read(cls, asset: Asset, prov: Provenance | ProvenanceFacts | None, signer: str) -> Inputs:
        """The inputs of ``asset`` given its provenance (None: it has none) and the signer."""
        focal = asset.focal_rect()
        return cls(
            redaction=imaging.faces_signature(asset.redaction_boxes(prov)),
            prompt_public=bool(prov and prov.prompt_is_public),
            signer=signer,
            focal=crops.rounded(focal) if focal else None,
        )


@dataclass(frozen=True)
class Spec:
    """One rendition: its size, format and every input that shapes its bytes."""

    width: int
    height: int
    format: str
    options: tuple[tuple[str, Any], ...]  # the encoder options, sorted (hashable, frozen)
    inputs: Inputs
    crop: str = ""  # the crop's ratio slug ("16x9"); "" is the full frame

    @property
    def encoder_options(self) -> dict[str, Any]:
        return dict(self.options)

    @property
    def recipe(self) -> str:
        """Short hash of everything that shapes the bytes besides the source and the width."""
        try:  # the same for every width: a batched plan computes it once per format and crop
            return _recipe(self.format, self.options, self.inputs, self.crop)
        except TypeError:  # an unhashable encoder option: computed each time
            return _recipe.__wrapped__(self.format, self.options, self.inputs, self.crop)

    def key(self, asset: Asset) -> str:
        return storage.variant_key(asset.id, asset.sha256, self.width, self.format, self.recipe)

    @property
    def too_large(self) -> str:
        """Why the format's encoder cannot make this size, or "" when it can."""
        limit = formats.OUTPUT[self.format].max_side
        if limit and max(self.width, self.height) > limit:
            return (
                f"{self.format} {self.width}w left out: {self.width}×{self.height} exceeds "
                f"the encoder's {limit} px limit per side"
            )
        return ""

    def matches(self, variant: Any) -> bool:
        """Whether a Variant row is this rendition."""
        return (variant.width, variant.format, variant.recipe) == (
            self.width,
            self.format,
            self.recipe,
        )

    @property
    def ratio(self) -> crops.Ratio | None:
        return crops.parse_ratio(self.crop) if self.crop else None

    def crop_box(self, asset: Asset) -> tuple:
        """The crop's pixel box in the displayed original (the whole frame when uncropped)."""
        if not self.crop:
            return (0, 0, asset.width, asset.height)
        return crops.crop_box(asset.width, asset.height, self.ratio, self.inputs.focal)


@functools.lru_cache(maxsize=4096)
def _recipe(fmt: str, options: tuple, inputs: Inputs, crop: str) -> str:
    parts: dict[str, Any] = {"v": inputs.pipeline, "f": fmt, "o": dict(options)}
    if inputs.redaction:  # redacted renditions get keys of their own
        parts["redact"] = inputs.redaction
    if inputs.signer:  # the manifest is part of the bytes: a new signer, new keys
        parts["c2pa"] = inputs.signer
        if inputs.prompt_public:  # the manifest names the prompt
            parts["prompt"] = 1
    if crop:  # a crop: its ratio and the focal rectangle it keeps
        parts["crop"] = crop
        parts["focal"] = crops.signature(inputs.focal) if inputs.focal else ""
    blob = json.dumps(parts, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:8]


def freeze(options: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(options.items()))


_frozen: dict[str, tuple[dict, tuple]] = {}  # format -> (settings' options dict, frozen)


def options_for(fmt: str) -> tuple[tuple[str, Any], ...]:
    """The format's encoder options from settings, frozen (once per settings dict: a plan asks
    for them for every width)."""
    options = settings.DERIVATIVE_FORMATS[fmt]
    cached = _frozen.get(fmt)
    if cached is None or cached[0] is not options:  # the cache holds it: ids never reused
        cached = _frozen[fmt] = (options, freeze(options))
    return cached[1]


def spec_for(
    asset: Asset,
    width: int,
    fmt: str,
    inputs: Inputs | None = None,
    ratio: crops.Ratio | None = None,
) -> Spec:
    """The spec of ``asset`` at ``width`` in ``fmt`` (cropped to ``ratio`` around the focal
    rectangle when given) under the current settings and rules. A crop's width is capped at
    the crop box's: never upscaled. A crop that is the whole frame is the full frame's spec:
    one rendition, not the same pixels encoded twice under two keys."""
    inputs = inputs or Inputs.of(asset)
    if ratio is None or crops.is_whole_frame(asset.width, asset.height, ratio):
        height = imaging.scaled_height(asset.width, asset.height, width)
        return Spec(width, height, fmt, options_for(fmt), inputs)
    box = crops.crop_box(asset.width, asset.height, ratio, inputs.focal)
    width, height = crops.output_size(box, ratio, width)
    return Spec(width, height, fmt, options_for(fmt), inputs, crop=ratio.slug)


def crop_widths_of(asset: Asset, ratio: crops.Ratio, inputs: Inputs) -> list[tuple[int, int]]:
    """The (width, height) of every planned width of ``asset`` cropped to ``ratio``."""
    widths = list(settings.DERIVATIVE_WIDTHS)
    return crops.crop_sizes(asset.width, asset.height, ratio, inputs.focal, widths)[1]


def recipe(
    fmt: str, options: dict[str, Any], redaction: str = "", prompt_public: bool = False
) -> str:
    """The recipe of a rendition with these inputs at the current pipeline and signer."""
    inputs = Inputs(redaction, prompt_public, c2pa.recipe_token() or "")
    return Spec(0, 0, fmt, freeze(options), inputs).recipe
