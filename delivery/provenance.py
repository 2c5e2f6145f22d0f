"""The public provenance record of an asset: ``GET /provenance/<asset id>.json``.

A minimal record (asset id, content hash, model, licence, generated_at, the IPTC digital
source type; the prompt only where it is public) signed with our C2PA key, for public assets
(approved and published) only; anything else is 404. Never the uploader, the source job, the
seed or the parameters.

How to verify a record: ``signature.jws`` is a JWS (RFC 7515) in compact serialization with a
detached payload, ``<protected>..<signature>``. The payload is the canonical JSON of
``record``: keys sorted, separators ``,`` and ``:``, UTF-8, no escaping of non-ASCII. Put
``base64url(payload)`` between the two dots and check the ES256 signature (raw r‖s) with the
public key of the first certificate in the protected header's ``x5c`` (our C2PA signer; the
rest of ``x5c`` is its chain). ``kid`` is the start of that certificate's SHA-256 fingerprint.
In Python: ``aiassets.c2pa.verify_record(document)``; any JOSE library does the same
once the payload is re-attached.
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from aiassets import c2pa
from aiassets.errors import json_error
from aiassets.models import Asset

from .signing import surrogate_key

RECORD_TYPE = "aiassets.provenance-record/1"


def build_record(asset: Asset) -> dict:
    """The public facts about ``asset``: nothing private (no uploader, job id, seed, params)."""
    prov = asset.provenance
    model = prov.model
    record = {
        "type": RECORD_TYPE,
        "asset_id": str(asset.id),
        "sha256": asset.sha256,
        "model": {"name": model.name, "version": model.version},
        "licence": {"name": model.licence, "url": model.licence_url},
        "generated_at": prov.generated_at.isoformat(),
        "digital_source_type": c2pa.source_type(prov),  # as the variants state it
        "issued_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }
    if prov.prompt_is_public:
        record["prompt"] = prov.prompt
    redacted = len(asset.redaction_boxes())
    if redacted:  # the public variants were edited: say so, without saying where
        record["redacted_faces"] = redacted
    return record


@require_safe
def record(request: HttpRequest, asset_id) -> JsonResponse:
    asset = Asset.objects.public().select_related("provenance__model").filter(pk=asset_id).first()
    if asset is None or not hasattr(asset, "provenance"):
        raise Http404("no public asset with this id")
    body = build_record(asset)
    try:
        signature = c2pa.sign_record(body)
    except c2pa.CredentialsError as exc:
        return json_error(503, "unsigned", f"No signing key: {exc.message}")
    response = JsonResponse(
        {"record": body, "signature": signature},
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    # Short-lived, and dropped with the asset's surrogate key when it leaves public view.
    response["Cache-Control"] = "public, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    for header in ("xkey", "Surrogate-Key", "Cache-Tag"):
        response[header] = surrogate_key(asset.id)
    return response
