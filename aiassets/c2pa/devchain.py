"""Development signing chains: root CA → intermediate CA → ES256 signer, named UNTRUSTED
DEVELOPMENT.

- :func:`shared_chain` is the development signer used when no key is configured. It is
  *derived* from ``SECRET_KEY`` (HKDF) and its certificates are signed deterministically
  (RFC 6979) with fixed dates, so every host that shares ``SECRET_KEY`` computes the very same
  chain in memory: nothing is generated per host and nothing is written anywhere.
- :func:`make_dev_chain` writes a fresh, random chain to a directory (``manage.py
  make_dev_signer``; tests use it to play a generator or a foreign signer).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEV_MARK = "UNTRUSTED DEVELOPMENT"
DOCUMENT_SIGNING_EKU = "1.3.6.1.5.5.7.3.36"
# The shared chain's validity: fixed, so that every host derives the same certificates.
SHARED_NOT_BEFORE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SHARED_NOT_AFTER = dt.datetime(2046, 1, 1, tzinfo=dt.UTC)
# Part of the derivation: bump to derive a different shared chain from the same SECRET_KEY.
SHARED_INFO = b"aiassets c2pa development chain v1"


@dataclass(frozen=True)
class DevPems:
    root: bytes  # the root CA certificate (its key is not kept)
    chain: bytes  # signer certificate, then the intermediate
    key: bytes  # the signer's ES256 key, PKCS#8


@dataclass(frozen=True)
class DevChain:
    ROOT = "root.pem"  # the development root CA: use it as C2PA_TRUST_ANCHORS to get "trusted"
    CHAIN = "chain.pem"  # signer certificate + intermediate
    KEY = "signer.key"  # the signer's ES256 key (PKCS#8, unencrypted, mode 0600)

    directory: Path

    @property
    def root(self) -> Path:
        return self.directory / self.ROOT

    @property
    def chain(self) -> Path:
        return self.directory / self.CHAIN

    @property
    def key(self) -> Path:
        return self.directory / self.KEY


_README = """UNTRUSTED DEVELOPMENT C2PA credentials made by aiassets (manage.py make_dev_signer).

root.pem    a local root CA (its key was discarded). Use it as C2PA_TRUST_ANCHORS to see our
            own development signatures as "trusted"; never add it to a real trust list.
chain.pem   the ES256 signer certificate, then the intermediate CA: C2PA_SIGNER_CHAIN.
signer.key  the signer's private key: C2PA_SIGNER_KEY.

Never use these in production: set C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN to real credentials.
"""


def _name(cn: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"aiassets {DEV_MARK}"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "local testing only"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"aiassets {DEV_MARK} {cn}"),
        ]
    )


def _usage(*, ca: bool) -> Any:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class _Issue:
    """How to issue the three certificates: validity, serials, deterministic signatures."""

    not_before: dt.datetime
    not_after: dt.datetime
    serials: tuple[int, int, int]
    deterministic: bool


def _cert(subject, issuer, public, issuer_key, serial, how: _Issue, *, ca, extra=(), depth=None):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(serial)
        .not_valid_before(how.not_before)
        .not_valid_after(how.not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=depth), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(_usage(ca=ca), critical=True)
    )
    for ext in extra:
        builder = builder.add_extension(ext, critical=False)
    return builder.sign(issuer_key, hashes.SHA256(), ecdsa_deterministic=how.deterministic)


def _issue_chain(keys: list[Any], how: _Issue) -> DevPems:
    """Root (self-signed) → intermediate → ES256 signer (digitalSignature, document-signing EKU)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

    root_key, mid_key, signer_key = keys
    root_name, mid_name = _name("Root CA"), _name("Intermediate CA")
    s_root, s_mid, s_signer = how.serials
    root = _cert(root_name, root_name, root_key.public_key(), root_key, s_root, how, ca=True)
    mid = _cert(mid_name, root_name, mid_key.public_key(), root_key, s_mid, how, ca=True, depth=0)
    eku = x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.EMAIL_PROTECTION, ObjectIdentifier(DOCUMENT_SIGNING_EKU)]
    )
    signer = _cert(
        _name("Signer"), mid_name, signer_key.public_key(), mid_key, s_signer, how,
        ca=False, extra=[eku],
    )  # fmt: skip

    def pem(c: x509.Certificate) -> bytes:
        return c.public_bytes(serialization.Encoding.PEM)

    key_pem = signer_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return DevPems(root=pem(root), chain=pem(signer) + pem(mid), key=key_pem)


def _derive(secret: bytes, label: bytes, length: int) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(hashes.SHA256(), length, salt=None, info=SHARED_INFO + b"/" + label).derive(secret)


def derive_chain(secret: str | bytes) -> DevPems:
    """The development chain derived from ``secret``: the same bytes wherever it is computed."""
    from cryptography.hazmat.primitives.asymmetric import ec

    raw = secret.encode() if isinstance(secret, str) else secret
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256's n
    keys, serials = [], []
    for label in (b"root", b"intermediate", b"signer"):
        scalar = int.from_bytes(_derive(raw, label + b"/key", 48)) % (order - 1) + 1
        keys.append(ec.derive_private_key(scalar, ec.SECP256R1()))
        serials.append(int.from_bytes(_derive(raw, label + b"/serial", 19)) | 1)
    how = _Issue(SHARED_NOT_BEFORE, SHARED_NOT_AFTER, tuple(serials), deterministic=True)
    return _issue_chain(keys, how)


_shared_lock = threading.Lock()
_shared: dict[str, DevPems] = {}


def shared_chain() -> DevPems:
    """The development chain of this deployment, derived from ``SECRET_KEY`` (cached)."""
    from django.conf import settings

    digest = hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest()
    with _shared_lock:
        found = _shared.get(digest)
        if found is None:
            found = derive_chain(settings.SECRET_KEY)
            _shared.clear()
            _shared[digest] = found
    return found


def random_chain(days: int = 3650) -> DevPems:
    """A fresh chain with random keys and serials (the CA keys are discarded)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec

    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    serials = tuple(x509.random_serial_number() for _ in range(3))
    how = _Issue(start, start + dt.timedelta(days=days), serials, deterministic=False)
    return _issue_chain(keys, how)


def make_dev_chain(
    directory: Path | str,
    *,
    if_missing: bool = False,
    force: bool = False,
    days: int = 3650,
    pems: DevPems | None = None,
) -> DevChain:
    """Write a development chain (``pems``, or a fresh random one) into ``directory``.

    Written to a temporary directory and moved into place, so concurrent uses never see half
    a chain. ``if_missing`` keeps an existing chain; otherwise an existing chain is an error
    unless ``force``.
    """
    target = DevChain(Path(directory))
    existing = target.key.exists() and target.chain.exists()
    if existing and if_missing:
        return target
    if existing and not force:
        raise FileExistsError(f"{target.directory} already holds credentials (use --force).")
    pems = pems or random_chain(days)
    target.directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-dev-", dir=target.directory.parent))
    try:
        (staging / DevChain.ROOT).write_bytes(pems.root)
        (staging / DevChain.CHAIN).write_bytes(pems.chain)
        (staging / DevChain.KEY).write_bytes(pems.key)
        (staging / DevChain.KEY).chmod(0o600)
        (staging / "README.txt").write_text(_README)
        _move_into_place(staging, target, if_missing)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _move_into_place(staging: Path, target: DevChain, if_missing: bool) -> None:
    if target.directory.exists():
        if if_missing and target.key.exists() and target.chain.exists():
            return  # another process made it meanwhile
        for leftover in DevChain.ROOT, DevChain.CHAIN, DevChain.KEY, "README.txt":
            (target.directory / leftover).unlink(missing_ok=True)
        for made in staging.iterdir():
            os.replace(made, target.directory / made.name)
        return
    try:
        os.rename(staging, target.directory)
    except OSError:
        if not (target.key.exists() and target.chain.exists()):
            raise  # else another process won the race
