"""Provenance in: what was given, merged with what the file itself says. The one home of the
merge rules.

- A value given explicitly (API, admin form, import manifest) wins. Empty text, null and {}
  are gaps, not values.
- A valid incoming C2PA manifest counts as given for what it states: the generator (its
  software agent, as the model) and the digital source type.
- The file's generator metadata (``imaging.extract_embedded``: A1111, ComfyUI, InvokeAI,
  NovelAI, Fooocus, EXIF/XMP descriptions, IPTC) fills the gaps. Every difference between a
  given value and the file's is recorded as a conflict; the given value is kept.
- When the file carries a prompt, the document may leave out the rest: the model falls back to
  the file's model name, else :data:`FALLBACK_MODEL`, and ``generated_at`` to the ingest time.
  Both are recorded as defaults.
- Values from the file go through the same validation as given ones (``aiassets.validation``,
  ``ProvenanceIn``). One that could not be stored or breaks a limit is dropped with a warning:
  never a 500, never half-stored.

The extracted facts, conflicts and raw chunks are for staff. The prompt, wherever it came from,
lands in ``Provenance.prompt`` and follows the asset's prompt-visibility rules.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from pydantic import ValidationError as SchemaError

from . import validation
from .errors import CodedError
from .imaging import Embedded
from .schemas import ProvenanceIn, describe_errors

FALLBACK_MODEL = "Unknown model"
MAX_RAW_TOTAL_CHARS = 256 * 1024  # all raw chunks kept for staff, together
MAX_PLATFORM_CHARS = 100


@dataclass
class Extraction:
    """What the file contributed to one provenance, for the Provenance row."""

    fields: list[str] = field(default_factory=list)  # filled from the file
    facts: dict[str, Any] = field(default_factory=dict)  # staff only
    conflicts: list[dict[str, Any]] = field(default_factory=list)  # staff only
    digital_source_type: str = ""
    raw: dict[str, str] = field(default_factory=dict)  # staff only
    dropped: dict[str, str] = field(default_factory=dict)  # file values refused, and why

    def row(self) -> dict[str, Any]:
        """The Provenance columns this extraction writes."""
        return {
            "extracted_fields": self.fields,
            "extracted": self.facts,
            "extraction_conflicts": self.conflicts,
            "digital_source_type": self.digital_source_type,
            "embedded_raw": self.raw,
        }


def resolve(
    given: dict[str, Any], found: Embedded, manifest: dict[str, str], now: datetime
) -> tuple[ProvenanceIn, Extraction]:
    """Merge ``given`` (a ProvenanceGiven.given() document) with the file's metadata
    (``found``) and the facts of its valid C2PA manifest (``manifest``); validate the result.

    Raises validation.ValidationError (invalid_metadata, naming the field) when no prompt is
    given and the file carries none, or when a given value is refused."""
    out = Extraction(facts=_facts(found, manifest), raw=_raw(found.raw))
    offered = _offered(found, manifest)
    doc = _merge(given, offered, out)
    out.digital_source_type = _source_type(manifest, found, out)
    # A generator wrote its metadata: nothing else needs typing (filled again after a drop).
    fill = partial(_defaults, doc, out, now) if found.prompt else None
    return _validated(doc, given, out, fill), out


def _offered(found: Embedded, manifest: dict[str, str]) -> dict[str, Any]:
    """What the file offers for each document field (the manifest's agent before the chunks')."""
    model = manifest.get("software_agent") or found.model_name.strip()
    platform = (found.generator or found.software).strip()[:MAX_PLATFORM_CHARS]
    offered: dict[str, Any] = {
        "prompt": found.prompt.strip(),
        "negative_prompt": found.negative_prompt.strip(),
        "seed": found.seed,
        "model": {"name": model[:200]} if model else None,
        "params": _storable(found.params),
        "source": {"platform": platform} if platform else None,
    }
    return {k: v for k, v in offered.items() if v not in ("", None, {})}


def _merge(given: dict[str, Any], offered: dict[str, Any], out: Extraction) -> dict[str, Any]:
    doc = dict(given)
    for name, value in offered.items():
        if name == "params":
            doc["params"] = _merge_params(given.get("params") or {}, value, out)
        elif name == "source":
            source = dict(given.get("source") or {})
            _fill(source, "platform", value["platform"], out, label="source.platform")
            doc["source"] = source
        elif name == "model":
            mine = given.get("model")
            if mine is None:
                doc["model"] = value
                out.fields.append("model")
            elif mine["name"] != value["name"]:
                _conflict(out, "model", mine["name"], value["name"])
        else:
            _fill(doc, name, value, out)
    return doc


def _fill(doc: dict[str, Any], key: str, value: Any, out: Extraction, label: str = "") -> None:
    label = label or key
    if key not in doc or doc[key] in ("", None):
        doc[key] = value
        out.fields.append(label)
    elif doc[key] != value:
        _conflict(out, label, doc[key], value)


def _merge_params(given: dict[str, Any], offered: dict[str, Any], out: Extraction) -> dict:
    merged = dict(given)
    filled = False
    for key, value in offered.items():
        if key not in merged:
            merged[key], filled = value, True
        elif merged[key] != value:
            _conflict(out, f"params.{key}", merged[key], value)
    if filled:
        out.fields.append("params")
    return merged


def _conflict(out: Extraction, name: str, given: Any, from_file: Any) -> None:
    out.conflicts.append({"field": name, "given": _storable(given), "file": _storable(from_file)})


def _defaults(doc: dict[str, Any], out: Extraction, now: datetime) -> None:
    """The file carries the prompt: nothing else needs typing."""
    defaults = out.facts.get("defaults", [])
    if "model" not in doc:
        doc["model"] = {"name": FALLBACK_MODEL}
        defaults.append("model")
    if "generated_at" not in doc:
        doc["generated_at"] = now.isoformat()
        defaults.append("generated_at")
    if defaults:
        out.facts["defaults"] = defaults


def _source_type(manifest: dict[str, str], found: Embedded, out: Extraction) -> str:
    """The stated digital source type: a valid manifest's, else the file's XMP."""
    stated, in_xmp = manifest.get("digital_source_type", ""), found.digital_source_type
    if stated and in_xmp and stated != in_xmp:
        _conflict(out, "digital_source_type", stated, in_xmp)
    return stated or in_xmp


def _validated(
    doc: dict[str, Any], given: dict[str, Any], out: Extraction, fill: Callable[[], None] | None
) -> ProvenanceIn:
    """Validate the merged document; a refused value from the file is dropped, with a
    warning, and the rest validated again. A refused given value is an error."""
    limits = validation.Limits.from_settings()
    while True:
        if fill is not None:
            fill()
        try:
            validation.check_provenance(doc, limits)
            return ProvenanceIn.model_validate(doc)
        except validation.ValidationError as exc:
            where, error = str(exc.field or ""), exc
        except SchemaError as exc:
            where = ".".join(str(p) for p in exc.errors()[0]["loc"])
            error = _schema_error(exc, out)
        name = _field_of(where, out.fields)
        if name is None:
            raise error
        _drop(doc, given, name, out, error.message)


def _field_of(where: str, from_file: list[str]) -> str | None:
    """The extracted field an error is about, or None when it is about a given value."""
    where = where.removeprefix("provenance.")
    for name in from_file:
        if where == name or where.startswith((name + ".", name + "[")):
            return name
        if name == "source.platform" and where == "source":
            return name
    return None


def _drop(
    doc: dict[str, Any], given: dict[str, Any], name: str, out: Extraction, message: str
) -> None:
    """Take the file's value of ``name`` out again: the document holds what was given."""
    top = name.split(".")[0]
    if top in given:  # params or source: the given part stays
        doc[top] = dict(given[top])
    else:
        doc.pop(top, None)
    out.fields.remove(name)
    out.dropped[name] = message[:300]
    out.facts.setdefault("warnings", []).append(f"not used: {message}"[:500])


def _schema_error(exc: SchemaError, out: Extraction) -> CodedError:
    message = "Invalid provenance: " + describe_errors(exc)
    where = str(exc.errors()[0]["loc"][0])
    if any(e["loc"] == ("prompt",) and e["type"] == "missing" for e in exc.errors()):
        where = "prompt"  # the one thing the file could not give: name it first
        if "prompt" in out.dropped:
            why = out.dropped["prompt"]
            message += f" No prompt was given; the file's could not be used: {why}"
        else:
            message += " No prompt was given and the file carries none."
    return validation.refuse(where, message)


# -- what staff see ----------------------------------------------------------------------------


def _facts(found: Embedded, manifest: dict[str, str]) -> dict[str, Any]:
    facts = _storable(found.facts())
    if manifest:
        facts["c2pa"] = dict(manifest)
    if found.warnings:
        facts["warnings"] = [validation.storable_text(w)[:500] for w in found.warnings]
    return facts


def _raw(chunks: dict[str, str]) -> dict[str, str]:
    """The raw chunks, storable and capped in total."""
    kept: dict[str, str] = {}
    room = MAX_RAW_TOTAL_CHARS
    for key, value in chunks.items():
        text = validation.storable_text(value)[:room]
        kept[validation.storable_text(key)[:100]] = text
        room -= len(text)
        if room <= 0:
            kept["…"] = "further chunks left out (too large)"
            break
    return kept


def _storable(value: Any, depth: int = 0) -> Any:
    """A JSON value the database stores, from untrusted facts: text without NUL or lone
    surrogates, finite numbers, integers that fit (else noted), bounded depth."""
    if isinstance(value, str):
        return validation.storable_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**validation.MAX_INT_DIGITS else "(a very large integer)"
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= 8:
        return "(nested too deeply)"
    if isinstance(value, dict):
        return {validation.storable_text(str(k)): _storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v, depth + 1) for v in value]
    return validation.storable_text(str(value))[:1000]


# -- the admin ---------------------------------------------------------------------------------

MARK = "(from the file)"


def marked(prov: Any, name: str, value: str) -> str:
    """``value`` marked when field ``name`` was filled from the file or defaulted."""
    if name in (prov.extracted_fields or []):
        return f"{value}\n{MARK}"
    if name in ((prov.extracted or {}).get("defaults") or []):
        return f"{value}\n(default: {DEFAULT_NOTES[name]})"
    return value


DEFAULT_NOTES = {
    "model": "neither given nor named by the file",
    "generated_at": "the ingest time; none was given",
}


def staff_rows(prov: Any) -> list[tuple[str, str]]:
    """What the file said, for staff: the facts, conflicts, warnings and raw chunks."""
    facts = dict(prov.extracted or {})
    warnings, _ = facts.pop("warnings", []), facts.pop("defaults", None)
    rows = [("Stated digital source type", prov.digital_source_type or "—")]
    if facts:
        rows.append((f"Generator metadata {MARK}", _json(facts)))
    for c in prov.extraction_conflicts or []:
        given, found = _json(c.get("given")), _json(c.get("file"))
        rows.append((f"Conflict: {c.get('field')}", f"given (kept): {given}\nfile: {found}"))
    if warnings:
        rows.append(("Metadata warnings", "\n".join(str(w) for w in warnings)))
    if prov.embedded_raw:
        rows.append(("Raw embedded metadata (staff only)", _json(prov.embedded_raw)[:100_000]))
    return rows


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
