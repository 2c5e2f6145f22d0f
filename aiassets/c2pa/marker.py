"""Signing variants: :class:`Marker` signs the encoded bytes of one asset's variants with our
key, last (after encode, without re-saving through Pillow, so the IPTC XMP stays). What the
manifest says is the publication policy's (:mod:`aiassets.c2pa.policy`); this module signs it.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings

from .. import formats
from . import policy
from ._lib import lib
from .keys import CredentialsError, credentials
from .manifest import TRUSTED, VALID, read

if TYPE_CHECKING:
    from ..models import Asset

logger = logging.getLogger(__name__)

# Variant.c2pa values
SIGNED, UNSIGNED, FAILED = "signed", "unsigned", "failed"


class SigningError(Exception):
    """A variant could not be signed."""


def recipe_token() -> str | None:
    """What signing adds to a variant recipe: None when signing is off, otherwise the manifest
    version and the signer certificate, so turning signing on or rotating keys changes keys.

    Pure: it reads the configured files or derives the shared development chain in memory;
    it never creates a CA and never writes a file."""
    if not settings.C2PA_SIGNING:
        return None
    try:
        return f"{policy.MANIFEST_VERSION}:{credentials().fingerprint[:16]}"
    except CredentialsError:
        return f"{policy.MANIFEST_VERSION}:unconfigured"


def _provenance(asset: Asset) -> Any:
    try:
        return asset.provenance
    except Exception:  # noqa: BLE001 - no provenance row: nothing stated
        return None


class Marker:
    """Signs the variants of one asset during one build. Made once per build; cheap to make
    (the signer, context and publication are prepared on first use).

    ``apply`` returns (bytes, Variant.c2pa state, note). With ``C2PA_REQUIRED`` a signing
    failure raises SigningError (the variant fails with it); without, the unmarked bytes are
    returned with state ``failed`` and the reason in ``note``.

    ``source_type`` is the digital source type to state, in the manifest and in the XMP
    (``imaging.iptc_xmp(marker.source_type)``), so both always agree.
    """

    def __init__(self, asset: Asset, original: bytes | None = None):
        self.asset = asset
        self.enabled = bool(settings.C2PA_SIGNING)
        self.required = bool(settings.C2PA_REQUIRED)
        self.source_type = policy.source_type(_provenance(asset), original)
        self._ready = False
        self._error: str = ""
        self._signer = None
        self._context = None
        self._publication: policy.Publication | None = None
        self._checked = False

    def _prepare(self) -> None:
        self._ready = True
        try:
            creds = credentials()
            c2pa = lib()
            self._signer = c2pa.Signer.from_info(
                c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, creds.chain_pem, creds.key_pem, None)
            )
            settings_ = c2pa.Settings.from_dict(policy.builder_settings())
            self._context = c2pa.Context(settings=settings_)
            self._publication = policy.publication(self.asset, self.source_type)
        except CredentialsError as exc:
            self._error = exc.message
        except Exception as exc:  # noqa: BLE001 - reported per variant
            self._error = f"{type(exc).__name__}: {exc}"

    def definition(self, fmt: str, width: int, height: int) -> dict[str, Any]:
        """The manifest definition for one variant."""
        if not self._ready:
            self._prepare()
        if self._publication is None:
            raise SigningError(self._error or "no publication")
        return policy.claim(self._publication, fmt, width, height)

    def apply(self, blob: bytes, fmt: str, width: int, height: int) -> tuple[bytes, str, str]:
        if not self.enabled:
            return blob, UNSIGNED, ""
        if not self._ready:
            self._prepare()
        try:
            if self._error:
                raise SigningError(self._error)
            return self._sign(blob, fmt, width, height), SIGNED, ""
        except Exception as exc:
            return self._failed(blob, fmt, width, exc)

    def _failed(self, blob: bytes, fmt: str, width: int, exc: Exception) -> tuple[bytes, str, str]:
        reason = str(exc) if isinstance(exc, SigningError) else f"{type(exc).__name__}: {exc}"
        message = f"C2PA signing failed: {reason}"
        if self.required:
            raise SigningError(message) from exc
        logger.warning(
            "asset %s %dw %s shipped without Content Credentials: %s",
            self.asset.id,
            width,
            fmt,
            reason,
            extra={
                "event": "c2pa.unsigned",
                "asset_id": str(self.asset.id),
                "width": width,
                "format": fmt,
                "error": reason,
            },
        )
        return blob, FAILED, message + " (shipped unmarked: C2PA_REQUIRED is off)"

    def _sign(self, blob: bytes, fmt: str, width: int, height: int) -> bytes:
        c2pa = lib()
        mime = formats.OUTPUT[fmt].mime
        builder = c2pa.Builder(self.definition(fmt, width, height), self._context)
        with builder:
            out = io.BytesIO()
            builder.sign(self._signer, mime, io.BytesIO(blob), out)
        signed = out.getvalue()
        if not self._checked:  # the first signature of a build is read back and validated
            report = read(signed, mime)
            if report.state not in (VALID, TRUSTED):
                self._error = f"our own manifest does not validate: {', '.join(report.codes)}"
                raise SigningError(self._error)
            self._checked = True
        return signed
