"""Signatures in the style of Stripe and GitHub: HMAC-SHA256 over ``"<timestamp>.<body>"``.

Sent as ``Webhook-Signature: t=<unix time>,v1=<hex digest>``. A receiver recomputes the digest
with its endpoint secret, compares in constant time, and refuses timestamps older than a few
minutes (replays). :func:`verify` is that check, for receivers written in Python.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={int(timestamp)},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str, value: str, body: bytes, *, now: float | None = None, tolerance: int = 300
) -> bool:
    """True when ``value`` (the Webhook-Signature header) signs ``body`` recently enough."""
    parts = dict(p.split("=", 1) for p in (value or "").split(",") if "=" in p)
    stamp = parts.get("t", "")
    if not (stamp.isascii() and stamp.isdigit()) or len(stamp) > 12 or "v1" not in parts:
        return False
    if abs((time.time() if now is None else now) - int(stamp)) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, int(stamp), body), parts["v1"])
