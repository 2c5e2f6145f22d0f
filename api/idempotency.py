"""Idempotency keys on POST /api/v1/assets, so a generator can retry an upload safely.

The ``Idempotency-Key`` header (1–200 printable ASCII characters) names one attempt per
token for ``TTL`` (24 h). The same key with the same content (the file's bytes and the
provenance text) answers the stored answer again; with other content, 409
``idempotency_conflict``. Only successful answers are stored: a refused upload can be fixed
and sent again under the same key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from ninja import Status

from aiassets.errors import CodedError
from aiassets.models import ApiToken

from .models import IdempotentAnswer

TTL = timedelta(hours=24)
MAX_KEY = 200


def check_key(key: str) -> str:
    if not (0 < len(key) <= MAX_KEY and key.isascii() and key.isprintable()):
        raise CodedError(
            "bad_request", f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters."
        )
    return key


def fingerprint(file: UploadedFile, provenance: str) -> str:
    """SHA-256 over the file's bytes and the provenance text (the file is rewound)."""
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    digest.update(b"\0provenance\0")
    digest.update(provenance.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def replay(token: ApiToken, key: str, print_: str) -> tuple[int, Any] | None:
    """The stored answer for ``key`` (None when there is none within TTL); 409 when the key
    was used for other content."""
    fresh = timezone.now() - TTL
    IdempotentAnswer.objects.filter(token=token, key=key, created_at__lt=fresh).delete()
    stored = IdempotentAnswer.objects.filter(token=token, key=key).first()
    if stored is None:
        return None
    if stored.fingerprint != print_:
        raise CodedError(
            "idempotency_conflict",
            "This Idempotency-Key was used for another request in the last 24 hours.",
        )
    return stored.status, stored.body


def remember(token: ApiToken, key: str, print_: str, status: int, body: dict[str, Any]) -> None:
    """Store the answer (a concurrent twin that stored first wins; both answers agree)."""
    try:
        with transaction.atomic():
            IdempotentAnswer.objects.create(
                token=token, key=key, fingerprint=print_, status=status, body=body
            )
    except IntegrityError:
        pass


def once(
    token: ApiToken,
    key: str,
    file: UploadedFile,
    provenance: str,
    run: Callable[[ApiToken, UploadedFile, str], Status],
) -> Status:
    """``run(token, file, provenance)`` once per key and content; its answer again after."""
    print_ = fingerprint(file, provenance)
    stored = replay(token, check_key(key), print_)
    if stored is not None:
        return Status(*stored)
    answer = run(token, file, provenance)
    body = json.loads(json.dumps(answer.value, cls=DjangoJSONEncoder))
    remember(token, key, print_, answer.status_code, body)
    return answer
