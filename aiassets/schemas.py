"""The provenance a generator sends, validated strictly. Shared by ingest, the API and import."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import validation


def _no_control(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class ModelRef(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    version: str = Field(default="", max_length=100)

    _check = field_validator("name", "version")(_no_control)


class SourceRef(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    platform: str = Field(default="", max_length=100)
    job_id: str = Field(default="", max_length=200)

    _check = field_validator("platform", "job_id")(_no_control)


class ProvenanceIn(BaseModel):
    """What a generator tells us about an image. Strings are untrusted text, stored as given."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    model: ModelRef
    prompt: str = Field(min_length=1, max_length=20_000)
    negative_prompt: str = Field(default="", max_length=20_000)
    seed: int | None = Field(default=None, ge=-(2**63), le=2**64 - 1)
    params: dict[str, Any] = Field(default_factory=dict)
    generated_at: datetime
    source: SourceRef = Field(default_factory=SourceRef)
    prompt_visibility: Literal["inherit", "public", "private"] = "inherit"

    _check = field_validator("prompt", "negative_prompt")(_no_control)

    @field_validator("seed", mode="before")
    @classmethod
    def _seed(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be an integer")
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,20}", value.strip()):
            return int(value)
        return value

    @field_validator("generated_at")
    @classmethod
    def _when(cls, value: datetime) -> datetime:
        value = validation.check_datetime(value)
        if value > datetime.now(UTC) + timedelta(days=1):
            raise ValueError("is in the future")
        return value


def describe_errors(exc: ValidationError) -> str:
    """A pydantic validation error, for people: at most five "where: what" parts."""
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "provenance"
        msg = err["msg"].removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts) + "."


class ProvenanceGiven(ProvenanceIn):
    """What a channel gave, before the file's own metadata fills the gaps (aiassets.extraction):
    the same rules for every value given, but any field may be missing."""

    model: ModelRef | None = None
    prompt: str = Field(default="", max_length=20_000)
    generated_at: datetime | None = None

    @field_validator("generated_at")
    @classmethod
    def _when(cls, value: datetime | None) -> datetime | None:
        return None if value is None else ProvenanceIn._when.__func__(cls, value)

    def given(self) -> dict[str, Any]:
        """The values given, as a JSON document: empty text, null and {} are gaps."""
        doc = self.model_dump(mode="json")
        doc["source"] = {k: v for k, v in doc["source"].items() if v}
        return {k: v for k, v in doc.items() if v not in ("", None, {})}
