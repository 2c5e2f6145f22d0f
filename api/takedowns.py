"""POST /api/v1/takedowns: a public takedown request, as JSON or multipart (no token).

It files through the same form as /takedown/ and shares its per-client rate limit. The answer
never says which of our assets matched; an ``evidence_url`` may name a public asset only, so
an unpublished id answers exactly as an unknown one (422 ``unknown_asset``).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import Router, Status

from aiassets.errors import CodedError
from moderation import ratelimit
from moderation.forms import TakedownForm
from moderation.models import TakedownRequest
from moderation.takedown import EvidenceError

from .schemas import ErrorOut, TakedownIn, TakedownReceived

router = Router(tags=["takedowns"])
ERRORS = {code: ErrorOut for code in (400, 413, 415, 422, 429)}


class ApiTakedownForm(TakedownForm):
    public_evidence_only = True


def _request_body() -> dict[str, Any]:
    fields = TakedownIn.model_json_schema()
    multipart = {
        **fields,
        "properties": {
            **fields["properties"],
            "evidence_image": {"type": "string", "format": "binary"},
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": fields},
                "multipart/form-data": {"schema": multipart},
            },
        }
    }


@router.post(
    "/takedowns",
    auth=None,
    response={201: TakedownReceived, **ERRORS},
    openapi_extra=_request_body(),
)
def file_takedown(request: HttpRequest):
    """Ask us to take an image down: attach it (`evidence_image`) or give its `evidence_url`.

    The answer is the request's reference only, never which assets matched.
    """
    rate = ratelimit.hit(ratelimit.TAKEDOWN, request)
    if not rate.allowed:
        raise CodedError(
            "rate_limited",
            "Too many requests; try again later.",
            headers={"Retry-After": str(rate.retry_after)},
        )
    form = ApiTakedownForm(*_form_input(request))
    if not form.is_valid():
        raise _invalid(form)
    req = form.file_request(TakedownRequest.Source.API)
    return Status(201, {"id": req.pk, "status": "received"})


def _form_input(request: HttpRequest) -> tuple[Any, MultiValueDict]:
    if request.content_type != "application/json":
        return request.POST, request.FILES or MultiValueDict()
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise CodedError("invalid_json", "The body is not valid JSON.")
    if not isinstance(payload, dict):
        raise CodedError("invalid_json", "The body must be a JSON object.")
    return {k: str(v) for k, v in payload.items() if v is not None}, MultiValueDict()


def _invalid(form: TakedownForm) -> CodedError:
    errors = form.errors.as_data()
    fields = {name: list(errs) for name, errs in form.errors.items()}
    first = next(
        (e for name in ("evidence_image", "evidence_url") for e in errors.get(name, [])),
        None,
    )
    code = getattr(first, "code", None) or "invalid"
    return CodedError(
        code,
        "The request is incomplete or invalid.",
        status=EvidenceError.STATUS.get(code, 422),
        fields=fields,
    )
