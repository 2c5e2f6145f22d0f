"""THE rendition identity: one frozen spec per rendition, its recipe computed from declared inputs.

Every path that names a rendition goes through ``spec_for``/``Inputs.of``: the planned build,
the on-demand build, the on-demand lookup, retiring old renditions and the list of URLs to
purge. A recipe is a short hash of every input that shapes the bytes besides the source and
the width; when any of them changes, the key changes, and the old rendition is retired.

Declared inputs: width, format, encoder options, pipeline version, signer token (C2PA), the
redaction boxes' signature, prompt visibility (the signed manifest names a public prompt) and
a crop/ratio field reserved for art direction ("" means the full frame).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .. import c2pa, formats, imaging, storage
from ..models import Asset, Provenance

# Bump when the pipeline changes the bytes it makes (it changes every key).
PIPELINE_VERSION = "1"


@dataclass(frozen=True)
class Inputs:
    """What one asset contributes to every one of its recipes, read once per plan or build."""

    redaction: str = ""  # imaging.faces_signature() of the boxes pixelated ("" when none)
    prompt_public: bool = False  # the asset's (or its model's) prompt visibility
    signer: str = ""  # c2pa.recipe_token(): "" when signing is off
    pipeline: str = PIPELINE_VERSION

    @classmethod
    def of(cls, asset: Asset) -> Inputs:
        prov = Provenance.objects.filter(asset_id=asset.pk).select_related("model").first()
        return cls(
            redaction=imaging.faces_signature(asset.redaction_boxes()),
            prompt_public=bool(prov and prov.prompt_is_public),
            signer=c2pa.recipe_token() or "",
        )


@dataclass(frozen=True)
class Spec:
    """One rendition: its size, format and every input that shapes its bytes."""

    width: int
    height: int
    format: str
    options: tuple[tuple[str, Any], ...]  # the encoder options, sorted (hashable, frozen)
    inputs: Inputs
    crop: str = ""  # reserved for art direction (a ratio or crop box); "" is the full frame

    @property
    def encoder_options(self) -> dict[str, Any]:
        return dict(self.options)

    @property
    def recipe(self) -> str:
        """Short hash of everything that shapes the bytes besides the source and the width."""
        parts: dict[str, Any] = {
            "v": self.inputs.pipeline,
            "f": self.format,
            "o": self.encoder_options,
        }
        if self.inputs.redaction:  # redacted renditions get keys of their own
            parts["redact"] = self.inputs.redaction
        if self.inputs.signer:  # the manifest is part of the bytes: a new signer, new keys
            parts["c2pa"] = self.inputs.signer
            if self.inputs.prompt_public:  # the manifest names the prompt
                parts["prompt"] = 1
        if self.crop:
            parts["crop"] = self.crop
        blob = json.dumps(parts, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:8]

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


def freeze(options: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted(options.items()))


def options_for(fmt: str) -> tuple[tuple[str, Any], ...]:
    return freeze(settings.DERIVATIVE_FORMATS[fmt])


def spec_for(asset: Asset, width: int, fmt: str, inputs: Inputs | None = None) -> Spec:
    """The spec of ``asset`` at ``width`` in ``fmt`` under the current settings and rules."""
    height = imaging.scaled_height(asset.width, asset.height, width)
    return Spec(width, height, fmt, options_for(fmt), inputs or Inputs.of(asset))


def recipe(
    fmt: str, options: dict[str, Any], redaction: str = "", prompt_public: bool = False
) -> str:
    """The recipe of a rendition with these inputs at the current pipeline and signer."""
    inputs = Inputs(redaction, prompt_public, c2pa.recipe_token() or "")
    return Spec(0, 0, fmt, freeze(options), inputs).recipe
