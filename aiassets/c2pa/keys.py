"""The signing credentials in force: the configured key and chain, or the shared development
chain (:func:`aiassets.c2pa.devchain.shared_chain`).

``C2PA_SIGNER_KEY`` / ``C2PA_SIGNER_CHAIN`` name PEM files. Without them, and while
``C2PA_DEV_CREDENTIALS`` allows it, the development chain derived from ``SECRET_KEY`` signs; it
is refused on production (HTTPS) settings. Loading never writes anything.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from ..errors import CodedError
from . import devchain
from .devchain import DEV_MARK

if TYPE_CHECKING:
    from cryptography import x509

CLAIM_GENERATOR = "aiassets"


class CredentialsError(CodedError):
    """Signing credentials are missing, unreadable or unusable. ``code`` is stable."""

    default_status = 503
    str_is_message = True


@dataclass(frozen=True)
class Credentials:
    key_pem: bytes
    chain_pem: bytes  # the signer certificate first, then its intermediates
    certificate: x509.Certificate  # the signer's
    source: str  # where they came from, for messages

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the signer certificate (DER), hex."""
        from cryptography.hazmat.primitives import serialization

        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return hashlib.sha256(der).hexdigest()

    @property
    def development(self) -> bool:
        return DEV_MARK in self.certificate.subject.rfc4514_string()

    @property
    def serial(self) -> str:
        return str(self.certificate.serial_number)

    @property
    def issuer_org(self) -> str:
        return _name_attr(self.certificate.issuer, "O") or _name_attr(self.certificate.issuer, "CN")

    @property
    def signer_name(self) -> str:
        """Who signs, for people: the organisation in the signer certificate."""
        subject = self.certificate.subject
        name = _name_attr(subject, "O") or _name_attr(subject, "CN")
        if self.development:
            return name.replace(DEV_MARK, "").strip() + " (development credentials)"
        return name

    def chain(self) -> list[x509.Certificate]:
        from cryptography import x509

        return x509.load_pem_x509_certificates(self.chain_pem)


def _name_attr(name: x509.Name, short: str) -> str:
    from cryptography.x509.oid import NameOID

    oid = {"O": NameOID.ORGANIZATION_NAME, "CN": NameOID.COMMON_NAME}[short]
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


_cache_lock = threading.Lock()
_cache: dict[tuple, Credentials] = {}


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def configured_paths() -> tuple[Path, Path] | None:
    """(key, chain) paths from settings, or None when neither is set."""
    key, chain = settings.C2PA_SIGNER_KEY, settings.C2PA_SIGNER_CHAIN
    if not key and not chain:
        return None
    if not key or not chain:
        raise CredentialsError(
            "incomplete",
            "Set both C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN (PEM paths), or neither.",
        )
    return Path(key), Path(chain)


def production_https() -> bool:
    """The settings are production's (HTTPS=true sets the proxy header and HSTS)."""
    return bool(
        getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        or getattr(settings, "SECURE_HSTS_SECONDS", 0)
    )


def development_in_force() -> bool:
    """Signing would use the development chain (no key configured, dev credentials allowed)."""
    return bool(
        settings.C2PA_SIGNING
        and not settings.C2PA_SIGNER_KEY
        and not settings.C2PA_SIGNER_CHAIN
        and settings.C2PA_DEV_CREDENTIALS
    )


def credentials() -> Credentials:
    """The signing credentials in force. Raises CredentialsError. Never writes anything."""
    paths = configured_paths()
    if paths is None:
        return _development()
    key_path, chain_path = paths
    cache_key = (str(key_path), str(chain_path), _stamp(key_path), _stamp(chain_path))
    return _cached(cache_key, lambda: load(key_path, chain_path))


def _development() -> Credentials:
    if not settings.C2PA_DEV_CREDENTIALS:
        raise CredentialsError(
            "not_configured",
            "C2PA signing is on but no key is configured: set C2PA_SIGNER_KEY and "
            "C2PA_SIGNER_CHAIN, or C2PA_SIGNING=false (development: C2PA_DEV_CREDENTIALS=true).",
        )
    if production_https():
        raise CredentialsError(
            "dev_refused",
            "Development C2PA credentials are refused on production (HTTPS) settings: set "
            "C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN.",
        )
    pems = devchain.shared_chain()
    cache_key = ("shared-dev", hashlib.sha256(pems.chain).hexdigest())
    return _cached(cache_key, lambda: from_pem(pems.key, pems.chain, "development (SECRET_KEY)"))


def _cached(cache_key: tuple, make) -> Credentials:
    with _cache_lock:
        found = _cache.get(cache_key)
    if found is not None:
        return found
    loaded = make()
    with _cache_lock:
        _cache.clear()
        _cache[cache_key] = loaded
    return loaded


def load(key_path: Path, chain_path: Path) -> Credentials:
    """Credentials from PEM files. Raises CredentialsError with the reason."""
    try:
        key_pem = key_path.read_bytes()
        chain_pem = chain_path.read_bytes()
    except OSError as exc:
        raise CredentialsError("unreadable", f"Cannot read the C2PA key or chain: {exc}.")
    return from_pem(key_pem, chain_pem, str(chain_path))


def from_pem(key_pem: bytes, chain_pem: bytes, source: str) -> Credentials:
    """Credentials from PEM bytes: an EC P-256 key and its chain (signer first)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
        certs = x509.load_pem_x509_certificates(chain_pem)
    except ValueError as exc:
        raise CredentialsError("invalid", f"The C2PA key or chain is not valid PEM: {exc}.")
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise CredentialsError("invalid", "The C2PA key must be an EC P-256 key (ES256).")
    if len(certs) < 2:
        raise CredentialsError(
            "invalid",
            "C2PA_SIGNER_CHAIN must hold the signer certificate and its intermediate(s): "
            "c2pa refuses a lone (self-signed) certificate.",
        )
    if certs[0].public_key().public_numbers() != key.public_key().public_numbers():
        raise CredentialsError(
            "invalid", "The first certificate in C2PA_SIGNER_CHAIN is not for C2PA_SIGNER_KEY."
        )
    return Credentials(key_pem, chain_pem, certs[0], source=source)


def signer_label() -> str:
    """Who signs our variants, for the public page ("aiassets (development credentials)")."""
    try:
        return credentials().signer_name
    except CredentialsError:
        return CLAIM_GENERATOR
