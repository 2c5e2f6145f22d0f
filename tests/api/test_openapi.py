"""The OpenAPI document types what clients send and get: the upload's provenance part is the
ProvenanceIn schema as JSON, and every operation documents the one error body."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_the_upload_types_provenance_as_json(schema):
    multipart = schema["paths"]["/api/v1/assets"]["post"]["requestBody"]["content"][
        "multipart/form-data"
    ]
    props = multipart["schema"]["properties"]
    assert props["provenance"] == {"$ref": "#/components/schemas/ProvenanceIn"}
    assert multipart["encoding"]["provenance"]["contentType"] == "application/json"
    assert set(multipart["schema"]["required"]) == {"file", "provenance"}
    prov = schema["components"]["schemas"]["ProvenanceIn"]
    assert {"model", "prompt", "generated_at"} <= set(prov["required"])
    assert "ModelRef" in schema["components"]["schemas"]


def test_every_operation_documents_errors_and_its_answer(schema):
    error = {"$ref": "#/components/schemas/ErrorOut"}
    operations = [
        (path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()
    ]
    assert len(operations) >= 11
    for path, method, op in operations:
        codes = {int(c) for c in op["responses"]}
        assert any(200 <= c < 300 for c in codes), (method, path)
        failures = [c for c in codes if c >= 400]
        assert failures, (method, path)
        for code in failures:
            assert op["responses"][str(code)]["content"]["application/json"]["schema"] == error
    names = {op["operationId"] for _, _, op in operations}
    assert {"list_assets", "patch_asset", "delete_asset", "get_picture"} <= names
