"""The public provenance record's signature: a JWS (RFC 7515) with detached payload, ES256,
with the signer's certificate chain in ``x5c``."""

from __future__ import annotations

import base64
import json
from typing import Any

from .keys import credentials


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
