"""Reading C2PA manifest stores in untrusted bytes, offline: :func:`read` → :class:`ManifestReport`.

The state is ``absent``, ``valid`` (intact, signer not in our trust anchors), ``trusted``
(intact and chained to ``C2PA_TRUST_ANCHORS``) or ``invalid`` (with the failure codes).
:func:`read` never raises on bad input.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from .. import formats, imaging
from ._lib import lib

if TYPE_CHECKING:
    from .keys import Credentials

logger = logging.getLogger(__name__)

ABSENT, VALID, TRUSTED, INVALID = "absent", "valid", "trusted", "invalid"
# Reader.json() of a hostile file can be large; we keep at most this much of it on Provenance.
MAX_STORED_MANIFEST_BYTES = 256 * 1024


@dataclass
class ManifestReport:
    """What a file's C2PA manifest store says. ``manifest`` is Reader.json() as a dict."""

    state: str  # absent | valid | trusted | invalid
    manifest: dict[str, Any] | None = None
    failures: list[dict[str, str]] = field(default_factory=list)

    @property
    def active(self) -> dict[str, Any] | None:
        if not self.manifest:
            return None
        return (self.manifest.get("manifests") or {}).get(self.manifest.get("active_manifest"))

    @property
    def signature(self) -> dict[str, Any]:
        return (self.active or {}).get("signature_info") or {}

    @property
    def codes(self) -> list[str]:
        return [f.get("code", "") for f in self.failures]

    @property
    def tampered(self) -> bool:
        """The content or the manifest changed after signing (a hash no longer matches)."""
        return self.state == INVALID and any(c.endswith(".mismatch") for c in self.codes)

    def assertion(self, label: str) -> dict[str, Any] | None:
        for a in (self.active or {}).get("assertions", []):
            if a.get("label") == label:
                return a.get("data")
        return None

    def actions(self) -> list[dict[str, Any]]:
        return manifest_actions(self.active)

    def generator_facts(self) -> dict[str, str]:
        """What the active manifest says made the file: the software agent and digital source
        type (a known IPTC type only) of its ``c2pa.created`` action, else of the first action
        that states them; capped. Empty when absent."""
        facts: dict[str, str] = {}
        actions = self.actions()
        for action in sorted(actions, key=lambda a: a.get("action") != "c2pa.created"):
            agent = action.get("softwareAgent")
            name = agent.get("name") if isinstance(agent, dict) else agent
            if isinstance(name, str) and name.strip() and "software_agent" not in facts:
                facts["software_agent"] = storable(name.strip())[:200]
            stated = imaging.embedded.source_type_uri(str(action.get("digitalSourceType") or ""))
            if stated and "digital_source_type" not in facts:
                facts["digital_source_type"] = stated
        return facts

    def signed_by(self, creds: Credentials | None) -> bool:
        """Signed with this signer certificate (serial number and issuer)."""
        sig = self.signature
        return bool(
            creds is not None
            and self.state in (VALID, TRUSTED)
            and sig.get("cert_serial_number") == creds.serial
            and sig.get("issuer") == creds.issuer_org
        )

    def describe(self) -> str:
        """One line for people."""
        if self.state == ABSENT:
            return "absent (no C2PA manifest)"
        sig = self.signature
        who = sig.get("common_name") or sig.get("issuer") or "an unknown signer"
        if self.state == TRUSTED:
            return f"trusted, signed by {who}"
        if self.state == VALID:
            return f"valid, signed by {who} (not in our trust anchors)"
        what = "tampered" if self.tampered else "invalid"
        return f"{what}: {', '.join(self.codes) or 'unreadable'}"

    def stored_manifest(self) -> dict[str, Any] | None:
        """The manifest store to keep on Provenance, cut to the active manifest if huge."""
        if self.manifest is None:
            return None
        if len(json.dumps(self.manifest)) <= MAX_STORED_MANIFEST_BYTES:
            return storable(self.manifest)
        active = self.active or {}
        slim = {
            "truncated": True,
            "active_manifest": self.manifest.get("active_manifest"),
            "validation_state": self.manifest.get("validation_state"),
            "signature_info": active.get("signature_info"),
            "claim_generator_info": active.get("claim_generator_info"),
            "assertion_labels": [a.get("label") for a in active.get("assertions", [])],
        }
        if len(json.dumps(slim)) > MAX_STORED_MANIFEST_BYTES:
            return {"truncated": True}
        return storable(slim)


def manifest_actions(manifest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Every action of one manifest (as Reader.json() shows it), in order."""
    found: list[dict[str, Any]] = []
    for a in (manifest or {}).get("assertions", []) or []:
        if isinstance(a, dict) and str(a.get("label", "")).startswith("c2pa.actions"):
            data = a.get("data") if isinstance(a.get("data"), dict) else {}
            found.extend(x for x in data.get("actions", []) or [] if isinstance(x, dict))
    return found


def storable(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL's jsonb refuses (hostile input)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


_anchor_lock = threading.Lock()
_reader_contexts: dict[tuple, Any] = {}


def trust_anchors_pem() -> str:
    """The PEM text of C2PA_TRUST_ANCHORS, or '' when unset or unreadable."""
    path = settings.C2PA_TRUST_ANCHORS
    if not path:
        return ""
    try:
        return Path(path).read_text()
    except OSError as exc:
        logger.error("cannot read C2PA_TRUST_ANCHORS %s: %s", path, exc)
        return ""


def _reader_context() -> Any:
    """A c2pa Context for reading: offline (no remote manifests, no OCSP), our anchors only."""
    c2pa = lib()
    anchors = trust_anchors_pem()
    key = (os.getpid(), hashlib.sha256(anchors.encode()).hexdigest())
    with _anchor_lock:
        ctx = _reader_contexts.get(key)
        if ctx is None:
            config: dict[str, Any] = {
                "verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
                "core": {"allowed_network_hosts": []},
            }
            if anchors:
                config["trust"] = {"trust_anchors": anchors}
            ctx = c2pa.Context(settings=c2pa.Settings.from_dict(config))
            _reader_contexts.clear()
            _reader_contexts[key] = ctx
    return ctx


def read(data: bytes, mime_type: str | None = None) -> ManifestReport:
    """The C2PA manifest store in ``data``, validated offline. Never raises on bad input."""
    c2pa = lib()
    if mime_type is None:
        fmt = imaging.sniff_format(data)
        mime_type = formats.INPUT[fmt].mime if fmt else None
    try:
        reader = c2pa.Reader.try_create(mime_type, io.BytesIO(data), None, _reader_context())
        if reader is None:
            return ManifestReport(ABSENT)
        with reader:
            store = json.loads(reader.json())
    except Exception as exc:  # noqa: BLE001 - hostile input: any parser error is "invalid"
        message = storable(str(exc)[:500] or type(exc).__name__)
        if message.startswith(("Remote:", "RemoteManifest:")):
            # Only a link to a manifest stored elsewhere: we never fetch it (offline, and no
            # requests to addresses named by untrusted files), so nothing is embedded here.
            return ManifestReport(
                ABSENT, None, [{"code": "manifest.remote.notFetched", "explanation": message}]
            )
        return ManifestReport(
            INVALID, None, [{"code": "manifest.unreadable", "explanation": message}]
        )
    return _report(store)


def _report(store: dict[str, Any]) -> ManifestReport:
    state = str(store.get("validation_state") or "").lower()
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = results.get("failure")
    if failures is None:
        failures = store.get("validation_status") or []
    failures = [
        storable(
            {"code": str(f.get("code", "")), "explanation": str(f.get("explanation", ""))[:500]}
        )
        for f in failures
        if isinstance(f, dict)
    ]
    if state not in (VALID, TRUSTED, INVALID):
        state = INVALID if failures else VALID
    return ManifestReport(state, store, failures)
