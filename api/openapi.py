"""The OpenAPI document, typed where ninja alone cannot say it.

The upload is multipart: ``file`` (the image) and ``provenance``, a JSON document. Ninja
describes that part as a plain string; here it becomes the ``ProvenanceIn`` schema (the one
ingest validates, ``aiassets.schemas``) sent as ``application/json``, so client generators
build and serialize it as an object.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from aiassets.schemas import ProvenanceIn

UPLOAD = ("/api/v1/assets", "post")
REF = "#/components/schemas/{model}"


def provenance_schemas() -> dict[str, Any]:
    """ProvenanceIn and the models it uses, as components."""
    schema = ProvenanceIn.model_json_schema(ref_template=REF)
    defs = schema.pop("$defs", {})
    return {**defs, "ProvenanceIn": schema}


def refine(document: dict[str, Any]) -> dict[str, Any]:
    """Type the upload's ``provenance`` part (and mark both parts required)."""
    operation = document.get("paths", {}).get(UPLOAD[0], {}).get(UPLOAD[1])
    if operation is None:
        return document
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components.update(provenance_schemas())
    multipart = operation["requestBody"]["content"]["multipart/form-data"]
    body = multipart["schema"]
    body["properties"]["provenance"] = {"$ref": REF.format(model="ProvenanceIn")}
    body["required"] = ["file", "provenance"]
    multipart["encoding"] = {"provenance": {"contentType": "application/json"}}
    return document


class TypedNinjaAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Any) -> str:
        """The view's name (``list_assets``): what a generated client calls its function."""
        return operation.view_func.__name__

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        return refine(super().get_openapi_schema(*args, **kwargs))
