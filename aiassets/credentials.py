"""Content Credentials (C2PA): read manifests, sign variants, sign public records, verify files.

- :func:`read` reads the C2PA manifest store in untrusted bytes, offline, and says what it is:
  ``absent``, ``valid`` (intact, signer not in our trust anchors), ``trusted`` (intact and
  chained to ``C2PA_TRUST_ANCHORS``) or ``invalid`` (with the failure codes). It never raises.
- :class:`Marker` signs the encoded bytes of an asset's variants with our key (after encode,
  without re-saving through Pillow, so the IPTC XMP stays): a ``c2pa.actions.v2`` assertion
  (``c2pa.created`` with digitalSourceType trainedAlgorithmicMedia and the generative model as
  softwareAgent, then ``c2pa.resized``; ``c2pa.opened`` on the original as ``parentOf``
  ingredient instead of ``c2pa.created`` when the original carried a valid manifest) and a
  ``com.aiassets.provenance`` assertion (model, version, licence; the prompt only when it is
  public). No thumbnail.
- :func:`sign_record` / :func:`verify_record` sign and check the public provenance record
  (a JWS with detached payload, ES256, with the signer's certificate chain in ``x5c``).
- :func:`verify` tells whether a file came from us: by its manifest and by perceptual hash.

Keys come from ``C2PA_SIGNER_KEY`` / ``C2PA_SIGNER_CHAIN``. Without them, and while
``C2PA_DEV_CREDENTIALS`` allows it, development credentials (a local root CA, intermediate and
ES256 signer, all named "UNTRUSTED DEVELOPMENT") are made under ``C2PA_DEV_DIR`` on first use,
the way ``SECRET_KEY`` is made under var/; ``manage.py check --deploy`` reports them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import checks

from . import formats, imaging

if TYPE_CHECKING:
    from cryptography import x509

    from .models import Asset

logger = logging.getLogger(__name__)

# Bump when the manifest we write changes shape: it is part of every variant's recipe.
MANIFEST_VERSION = "1"
ASSERTION_LABEL = "com.aiassets.provenance"
CLAIM_GENERATOR = "aiassets"
DEV_MARK = "UNTRUSTED DEVELOPMENT"
DOCUMENT_SIGNING_EKU = "1.3.6.1.5.5.7.3.36"

ABSENT, VALID, TRUSTED, INVALID = "absent", "valid", "trusted", "invalid"
# Reader.json() of a hostile file can be large; we keep at most this much of it on Provenance.
MAX_STORED_MANIFEST_BYTES = 256 * 1024

# Variant.c2pa values
SIGNED, UNSIGNED, FAILED = "signed", "unsigned", "failed"


class CredentialsError(Exception):
    """Signing credentials are missing, unreadable or unusable. ``code`` is stable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class SigningError(Exception):
    """A variant could not be signed."""


class VerifyError(Exception):
    """A file we cannot verify (not an image, truncated, too large…). ``code`` is stable."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _c2pa():
    """The c2pa module, imported on first use (it loads a native library, ~0.1 s)."""
    import c2pa

    return c2pa


# --------------------------------------------------------------------------------------------
# Credentials: the configured key and chain, or development credentials made on first use
# --------------------------------------------------------------------------------------------


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
        name = _name_attr(self.certificate.subject, "O") or _name_attr(
            self.certificate.subject, "CN"
        )
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


def credentials(*, create: bool = True) -> Credentials:
    """The signing credentials in force. Raises CredentialsError.

    With no key configured and ``C2PA_DEV_CREDENTIALS`` on, the development chain under
    ``C2PA_DEV_DIR`` is used, and made first if it is missing (``create``).
    """
    paths = configured_paths()
    if paths is None:
        if not settings.C2PA_DEV_CREDENTIALS:
            raise CredentialsError(
                "not_configured",
                "C2PA signing is on but no key is configured: set C2PA_SIGNER_KEY and "
                "C2PA_SIGNER_CHAIN, or C2PA_SIGNING=false (development: C2PA_DEV_CREDENTIALS=true "
                "or `manage.py make_dev_signer`).",
            )
        dev_dir = Path(settings.C2PA_DEV_DIR)
        paths = (dev_dir / DevChain.KEY, dev_dir / DevChain.CHAIN)
        if create and not (paths[0].exists() and paths[1].exists()):
            try:
                make_dev_chain(dev_dir, if_missing=True)
            except OSError as exc:
                raise CredentialsError(
                    "dev_unwritable", f"Cannot make development credentials in {dev_dir}: {exc}."
                )
            logger.warning(
                "made UNTRUSTED DEVELOPMENT C2PA credentials in %s",
                dev_dir,
                extra={"event": "c2pa.dev_credentials_created", "path": str(dev_dir)},
            )
    key_path, chain_path = paths
    cache_key = (str(key_path), str(chain_path), _stamp(key_path), _stamp(chain_path))
    with _cache_lock:
        found = _cache.get(cache_key)
    if found is not None:
        return found
    loaded = _load(key_path, chain_path)
    with _cache_lock:
        _cache.clear()
        _cache[cache_key] = loaded
    return loaded


def _load(key_path: Path, chain_path: Path) -> Credentials:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key_pem = key_path.read_bytes()
        chain_pem = chain_path.read_bytes()
    except OSError as exc:
        raise CredentialsError("unreadable", f"Cannot read the C2PA key or chain: {exc}.")
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
    return Credentials(key_pem, chain_pem, certs[0], source=str(chain_path))


def signer_label() -> str:
    """Who signs our variants, for the public page ("aiassets (development credentials)")."""
    try:
        return credentials(create=False).signer_name
    except CredentialsError:
        return CLAIM_GENERATOR


def recipe_token() -> str | None:
    """What signing adds to a variant recipe: None when signing is off, otherwise the manifest
    version and the signer certificate, so turning signing on or rotating keys changes keys."""
    if not settings.C2PA_SIGNING:
        return None
    try:
        return f"{MANIFEST_VERSION}:{credentials().fingerprint[:16]}"
    except CredentialsError:
        return f"{MANIFEST_VERSION}:unconfigured"


# --------------------------------------------------------------------------------------------
# Development credentials (manage.py make_dev_signer, or on first use)
# --------------------------------------------------------------------------------------------


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


def make_dev_chain(
    directory: Path | str, *, if_missing: bool = False, force: bool = False, days: int = 3650
) -> DevChain:
    """Write a development root CA → intermediate → ES256 signer chain into ``directory``.

    The CA keys are discarded. Written to a temporary directory and moved into place, so
    concurrent first uses never see half a chain. ``if_missing`` keeps an existing chain;
    otherwise an existing chain is an error unless ``force``.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

    target = DevChain(Path(directory))
    existing = target.key.exists() and target.chain.exists()
    if existing and if_missing:
        return target
    if existing and not force:
        raise FileExistsError(f"{target.directory} already holds credentials (use --force).")

    def name(cn: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"aiassets {DEV_MARK}"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "local testing only"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"aiassets {DEV_MARK} {cn}"),
            ]
        )

    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    keys = [ec.generate_private_key(ec.SECP256R1()) for _ in range(3)]
    root_key, mid_key, signer_key = keys
    ca_usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )

    def cert(subject, issuer, public, issuer_key, *, ca: bool, path_length=None, extra=()):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                critical=False,
            )
        )
        for ext, critical in extra:
            builder = builder.add_extension(ext, critical=critical)
        return builder.sign(issuer_key, hashes.SHA256())

    root_name, mid_name = name("Root CA"), name("Intermediate CA")
    root = cert(
        root_name, root_name, root_key.public_key(), root_key, ca=True, extra=[(ca_usage, True)]
    )
    mid = cert(
        mid_name,
        root_name,
        mid_key.public_key(),
        root_key,
        ca=True,
        path_length=0,
        extra=[(ca_usage, True)],
    )
    signer_usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    eku = x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.EMAIL_PROTECTION, ObjectIdentifier(DOCUMENT_SIGNING_EKU)]
    )
    signer = cert(
        name("Signer"),
        mid_name,
        signer_key.public_key(),
        mid_key,
        ca=False,
        extra=[(signer_usage, True), (eku, False)],
    )

    def pem(c: x509.Certificate) -> bytes:
        return c.public_bytes(serialization.Encoding.PEM)

    target.directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".c2pa-dev-", dir=target.directory.parent))
    try:
        (staging / DevChain.ROOT).write_bytes(pem(root))
        (staging / DevChain.CHAIN).write_bytes(pem(signer) + pem(mid))
        key_file = staging / DevChain.KEY
        key_file.write_bytes(
            signer_key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_file.chmod(0o600)
        (staging / "README.txt").write_text(_README)
        if target.directory.exists():
            if if_missing and target.key.exists() and target.chain.exists():
                return target  # another process made it meanwhile
            for leftover in DevChain.ROOT, DevChain.CHAIN, DevChain.KEY, "README.txt":
                (target.directory / leftover).unlink(missing_ok=True)
            for made in staging.iterdir():
                os.replace(made, target.directory / made.name)
        else:
            try:
                os.rename(staging, target.directory)
            except OSError:
                if target.key.exists() and target.chain.exists():
                    return target  # another process won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


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
        found = []
        for a in (self.active or {}).get("assertions", []):
            if str(a.get("label", "")).startswith("c2pa.actions"):
                found.extend((a.get("data") or {}).get("actions", []))
        return found

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
            return _storable(self.manifest)
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
        return _storable(slim)


def _storable(value: Any) -> Any:
    """``value`` without NUL characters, which PostgreSQL's jsonb refuses (hostile input)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
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


def _reader_context():
    """A c2pa Context for reading: offline (no remote manifests, no OCSP), our anchors only."""
    c2pa = _c2pa()
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
    c2pa = _c2pa()
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
        message = _storable(str(exc)[:500] or type(exc).__name__)
        if message.startswith(("Remote:", "RemoteManifest:")):
            # Only a link to a manifest stored elsewhere: we never fetch it (offline, and no
            # requests to addresses named by untrusted files), so nothing is embedded here.
            return ManifestReport(
                ABSENT, None, [{"code": "manifest.remote.notFetched", "explanation": message}]
            )
        return ManifestReport(
            INVALID, None, [{"code": "manifest.unreadable", "explanation": message}]
        )
    state = str(store.get("validation_state") or "").lower()
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = results.get("failure")
    if failures is None:
        failures = store.get("validation_status") or []
    failures = [
        _storable(
            {"code": str(f.get("code", "")), "explanation": str(f.get("explanation", ""))[:500]}
        )
        for f in failures
        if isinstance(f, dict)
    ]
    if state not in (VALID, TRUSTED, INVALID):
        state = INVALID if failures else VALID
    return ManifestReport(state, store, failures)


# --------------------------------------------------------------------------------------------
# Signing variants
# --------------------------------------------------------------------------------------------


def _builder_settings() -> dict[str, Any]:
    return {
        "builder": {
            "thumbnail": {"enabled": False},
            "claim_generator_info": {"name": CLAIM_GENERATOR, "version": MANIFEST_VERSION},
        },
        # c2pa re-reads and validates every file it signs by default, which doubles the cost
        # (about 1 ms → 2 ms a variant). Marker validates the first signature of each build
        # instead: that catches a broken or expired chain at the same point, for 1/27 the cost.
        "verify": {
            "verify_after_sign": False,
            "remote_manifest_fetch": False,
            "ocsp_fetch": False,
        },
        "core": {"allowed_network_hosts": []},
    }


def software_agent(model: Any) -> dict[str, str]:
    agent = {"name": model.name}
    if model.version:
        agent["version"] = model.version
    return agent


def provenance_assertion(asset: Asset) -> dict[str, Any]:
    """Our custom assertion: model, version, licence; the prompt only where it is public."""
    prov = asset.provenance
    model = prov.model
    data: dict[str, Any] = {
        "asset_id": str(asset.id),
        "model": {"name": model.name, "version": model.version},
        "licence": model.licence,
        "generated_at": prov.generated_at.isoformat(),
    }
    if model.licence_url:
        data["licence_url"] = model.licence_url
    if prov.prompt_is_public:
        data["prompt"] = prov.prompt
    return data


class Marker:
    """Signs the variants of one asset during one build. Made once per build; cheap to make
    (the signer, context and parent ingredient are prepared on first use).

    ``apply`` returns (bytes, Variant.c2pa state, note). With ``C2PA_REQUIRED`` a signing
    failure raises SigningError (the variant fails with it); without, the unmarked bytes are
    returned with state ``failed`` and the reason in ``note``.
    """

    def __init__(self, asset: Asset, original: bytes | None = None):
        self.asset = asset
        self.enabled = bool(settings.C2PA_SIGNING)
        self.required = bool(settings.C2PA_REQUIRED)
        # The original is kept (until the first variant) only when it becomes our parent
        # ingredient: when it carried an intact manifest at ingest.
        state = getattr(getattr(asset, "provenance", None), "c2pa_state", "")
        self._original = original if self.enabled and state in (VALID, TRUSTED) else None
        self._ready = False
        self._error: str = ""
        self._signer = None
        self._context = None
        self._parent: bytes | None = None
        self._redacted_faces: int | None = None
        self._base: dict[str, Any] = {}
        self._checked = False

    def _prepare(self) -> None:
        self._ready = True
        try:
            creds = credentials()
            c2pa = _c2pa()
            self._signer = c2pa.Signer.from_info(
                c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, creds.chain_pem, creds.key_pem, None)
            )
            self._context = c2pa.Context(settings=c2pa.Settings.from_dict(_builder_settings()))
            prov = self.asset.provenance
            self._base = {
                "agent": software_agent(prov.model),
                "assertion": provenance_assertion(self.asset),
            }
        except CredentialsError as exc:
            self._error = exc.message
            return
        except Exception as exc:  # noqa: BLE001 - reported per variant
            self._error = f"{type(exc).__name__}: {exc}"
            return
        if self._original is not None and prov.c2pa_state in (VALID, TRUSTED):
            self._parent = self._ingredient_archive(self._original)
        self._original = None

    def _ingredient_archive(self, original: bytes) -> bytes | None:
        """The original as a parentOf ingredient, archived once and added to every variant."""
        c2pa = _c2pa()
        fmt = imaging.sniff_format(original)
        try:
            with c2pa.Builder(
                {"claim_generator_info": [{"name": CLAIM_GENERATOR}]}, self._context
            ) as b:
                b.add_ingredient(
                    {
                        "title": f"original.{formats.INPUT[fmt].ext}",
                        "relationship": "parentOf",
                        "label": "original",
                    },
                    formats.INPUT[fmt].mime,
                    io.BytesIO(original),
                )
                buf = io.BytesIO()
                b.write_ingredient_archive("original", buf)
                return buf.getvalue()
        except Exception as exc:  # noqa: BLE001 - sign without the parent rather than not at all
            logger.warning(
                "asset %s: could not add the original as C2PA ingredient: %s",
                self.asset.id,
                exc,
                extra={"event": "c2pa.ingredient_failed", "asset_id": str(self.asset.id)},
            )
            return None

    def definition(self, fmt: str, width: int, height: int) -> dict[str, Any]:
        """The manifest definition for one variant."""
        mime, ext = (formats.OUTPUT[fmt].mime, formats.OUTPUT[fmt].ext)
        first: dict[str, Any] = {
            "action": "c2pa.opened" if self._parent else "c2pa.created",
            "digitalSourceType": imaging.TRAINED_ALGORITHMIC_MEDIA,
            "softwareAgent": self._base["agent"],
        }
        if self._parent:
            first["parameters"] = {"ingredientIds": ["original"]}
        resized = {
            "action": "c2pa.resized",
            "softwareAgent": {"name": CLAIM_GENERATOR},
            "parameters": {"width": width, "height": height},
            "description": f"Resized to {width}×{height} and encoded as {fmt.upper()}.",
        }
        actions = [first]
        if self._redacted_faces is None:  # once per asset, not once per variant
            self._redacted_faces = len(self.asset.redaction_boxes())
        if self._redacted_faces:
            count = self._redacted_faces
            actions.append(
                {
                    "action": "c2pa.edited",
                    "softwareAgent": {"name": CLAIM_GENERATOR},
                    "description": f"Pixelated {count} detected face(s) for privacy.",
                    "parameters": {"redacted_faces": count},
                }
            )
        actions.append(resized)
        return {
            "claim_generator_info": [{"name": CLAIM_GENERATOR, "version": MANIFEST_VERSION}],
            "title": f"{self.asset.id}-{width}w.{ext}",
            "format": mime,
            "assertions": [
                {"label": "c2pa.actions.v2", "data": {"actions": actions}},
                {"label": ASSERTION_LABEL, "data": self._base["assertion"]},
            ],
        }

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
        c2pa = _c2pa()
        mime = formats.OUTPUT[fmt].mime
        builder = c2pa.Builder(self.definition(fmt, width, height), self._context)
        with builder:
            if self._parent:
                builder.add_ingredient_from_archive(io.BytesIO(self._parent))
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


# --------------------------------------------------------------------------------------------
# The public provenance record: a JWS (RFC 7515) with detached payload, ES256
# --------------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical_json(value: Any) -> bytes:
    """The bytes a record signature covers: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_record(record: dict[str, Any]) -> dict[str, Any]:
    """Sign ``record`` with our C2PA key. Raises CredentialsError.

    Returns ``{"alg", "kid", "jws", "x5c"}``: ``jws`` is ``<protected>..<signature>`` (compact
    serialization, payload detached); the payload is ``base64url(canonical_json(record))``.
    """
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    creds = credentials()
    x5c = [
        base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
        for c in creds.chain()
    ]
    header = {"alg": "ES256", "kid": creds.fingerprint[:16], "x5c": x5c}
    protected = _b64url(canonical_json(header))
    signing_input = f"{protected}.{_b64url(canonical_json(record))}".encode("ascii")
    key = serialization.load_pem_private_key(creds.key_pem, password=None)
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    signature = _b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
    return {"alg": "ES256", "kid": header["kid"], "jws": f"{protected}..{signature}", "x5c": x5c}


def verify_record(document: dict[str, Any], public_key: Any = None) -> bool:
    """Check a provenance record document (``{"record": …, "signature": {"jws": …}}``).

    With no ``public_key``, the key of the first certificate in the header's ``x5c`` is used
    (that proves integrity; compare its fingerprint ``kid`` with ours to prove origin).
    """
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        protected, empty, signature = document["signature"]["jws"].split(".")
        header = json.loads(_unb64url(protected))
        if empty or header.get("alg") != "ES256":
            return False
        if public_key is None:
            der = base64.b64decode(header["x5c"][0])
            public_key = x509.load_der_x509_certificate(der).public_key()
        raw = _unb64url(signature)
        if len(raw) != 64:
            return False
        der_sig = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        signing_input = f"{protected}.{_b64url(canonical_json(document['record']))}"
        public_key.verify(der_sig, signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, KeyError, ValueError, TypeError, IndexError, AttributeError):
        return False
    return True


# --------------------------------------------------------------------------------------------
# Verification: did this file come from us?
# --------------------------------------------------------------------------------------------

OURS, TAMPERED, INVALID_MANIFEST, SIMILAR, UNKNOWN = (
    "ours",
    "tampered",
    "invalid",
    "similar",
    "unknown",
)
EXIT_CODES = {OURS: 0, UNKNOWN: 1, TAMPERED: 2, INVALID_MANIFEST: 2, SIMILAR: 3}
EXIT_BAD_INPUT = 4


@dataclass(frozen=True)
class Match:
    asset_id: uuid.UUID
    distance: int
    mirrored: bool
    title: str
    within: bool  # at most the threshold


@dataclass
class Verification:
    info: imaging.Inspection
    manifest: ManifestReport
    ours: bool  # the manifest is intact and signed with our signer certificate
    matches: list[Match]  # nearest assets first (up to ``limit``), within or not
    max_distance: int
    verdict: str = UNKNOWN

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def claimed_asset(self) -> str:
        data = self.manifest.assertion(ASSERTION_LABEL) or {}
        return str(data.get("asset_id", "")) if self.ours else ""

    def summary(self) -> str:
        if self.verdict == OURS:
            return "Ours: the Content Credentials are intact and signed with our key."
        if self.verdict == TAMPERED:
            return "Tampered: the file changed after it was signed (a hash no longer matches)."
        if self.verdict == INVALID_MANIFEST:
            return "Invalid Content Credentials: the manifest does not validate."
        if self.verdict == SIMILAR:
            return (
                "No Content Credentials of ours, but the picture matches one of our assets "
                "(re-encoded, resized or stripped copy?)."
            )
        return "Not recognised: no Content Credentials of ours and no similar asset."

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "summary": self.summary(),
            "format": self.info.format,
            "width": self.info.width,
            "height": self.info.height,
            "manifest": {
                "state": self.manifest.state,
                "ours": self.ours,
                "tampered": self.manifest.tampered,
                "signer": self.manifest.signature,
                "failures": self.manifest.failures,
                "asset_id": self.claimed_asset,
            },
            "max_distance": self.max_distance,
            "matches": [
                {
                    "asset_id": str(m.asset_id),
                    "distance": m.distance,
                    "mirrored": m.mirrored,
                    "within": m.within,
                    "title": m.title,
                }
                for m in self.matches
            ],
        }


def nearest_assets(phash: str, mirrored: str, *, limit: int = 5, max_distance: int) -> list[Match]:
    """The ``limit`` assets nearest to the hash (or its mirror), nearest first.

    Scans every asset's phash in Python (about 1 µs a row), like moderation's takedown match.
    """
    from .models import Asset

    want, flip = int(phash, 16), int(mirrored, 16)
    best: list[tuple[int, bool, Any]] = []
    rows = Asset.objects.exclude(phash="").values_list("pk", "phash", "title")
    for pk, value, title in rows.iterator(chunk_size=2000):
        try:
            h = int(value, 16)
        except ValueError:
            continue
        d, m = (h ^ want).bit_count(), (h ^ flip).bit_count()
        dist, mirrored_hit = (d, False) if d <= m else (m, True)
        best.append((dist, mirrored_hit, (pk, title)))
        if len(best) > 4 * limit:
            best.sort(key=lambda x: (x[0], str(x[2][0])))
            del best[limit:]
    best.sort(key=lambda x: (x[0], str(x[2][0])))
    return [
        Match(pk, dist, mirrored_hit, title, dist <= max_distance)
        for dist, mirrored_hit, (pk, title) in best[:limit]
    ]


def verify(data: bytes, *, max_distance: int | None = None, limit: int = 5) -> Verification:
    """Tell whether ``data`` came from us. Raises VerifyError for input we cannot read."""
    if not data:
        raise VerifyError("empty", "The file is empty.")
    if len(data) > settings.INGEST_MAX_BYTES:
        raise VerifyError(
            "too_large",
            f"The file is {len(data):,} bytes; the limit is {settings.INGEST_MAX_BYTES:,}.",
        )
    limits = imaging.Limits(
        max_pixels=settings.INGEST_MAX_PIXELS, max_side=settings.INGEST_MAX_SIDE
    )
    try:
        im, info = imaging.open_image(data, limits)
        small = imaging.normalize(im, imaging.thumbnail_size(info.width, info.height, 256))
        del im
    except imaging.ImagingError as exc:
        raise VerifyError(exc.code, exc.message)
    phash, mirrored = imaging.perceptual_hash(small), imaging.mirrored_perceptual_hash(small)
    limit_distance = settings.C2PA_MATCH_MAX_DISTANCE if max_distance is None else max_distance
    report = read(data, info.mime_type)
    try:
        ours = report.signed_by(credentials(create=False))
    except CredentialsError:
        ours = False
    matches = nearest_assets(phash, mirrored, limit=limit, max_distance=limit_distance)
    result = Verification(info, report, ours, matches, limit_distance)
    if ours:
        result.verdict = OURS
    elif report.state == INVALID:
        result.verdict = TAMPERED if report.tampered else INVALID_MANIFEST
    elif any(m.within for m in matches):
        result.verdict = SIMILAR
    else:
        result.verdict = UNKNOWN
    return result


# --------------------------------------------------------------------------------------------
# System checks
# --------------------------------------------------------------------------------------------


@checks.register()
def credential_settings(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if bool(settings.C2PA_SIGNER_KEY) != bool(settings.C2PA_SIGNER_CHAIN):
        errors.append(
            checks.Error(
                "Set both C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN, or neither.", id="aiassets.E101"
            )
        )
    return errors


@checks.register(deploy=True)
def production_credentials(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if settings.C2PA_SIGNING and not settings.C2PA_SIGNER_KEY:
        errors.append(
            checks.Error(
                "C2PA variants are signed with UNTRUSTED DEVELOPMENT credentials"
                if settings.C2PA_DEV_CREDENTIALS
                else "C2PA signing is on but no key is configured: every variant will fail.",
                hint="Set C2PA_SIGNER_KEY and C2PA_SIGNER_CHAIN to your signing key and chain.",
                id="aiassets.E102",
            )
        )
    if not settings.C2PA_SIGNING or not settings.C2PA_REQUIRED:
        errors.append(
            checks.Warning(
                "Variants may ship without Content Credentials (C2PA_SIGNING or C2PA_REQUIRED "
                "is off).",
                id="aiassets.W101",
            )
        )
    return errors
