"""The OpenAPI document describes every endpoint: summary, examples, its errors, bearer auth."""

from __future__ import annotations

import httpx
from api_helpers import Backend

ENDPOINTS = {
    ("post", "/api/v1/cards"),
    ("get", "/api/v1/cards"),
    ("get", "/api/v1/cards/{card_id}"),
    ("post", "/api/v1/cards/lookup"),
    ("post", "/api/v1/cards/{card_id}/topups"),
    ("get", "/api/v1/cards/{card_id}/transactions"),
    ("post", "/api/v1/cards/{card_id}/freeze"),
    ("post", "/api/v1/cards/{card_id}/unfreeze"),
    ("get", "/api/v1/reports/summary"),
    ("get", "/api/v1/api-logs"),
}


def test_every_endpoint_is_documented_with_examples_errors_and_auth(backend: Backend):
    schema = httpx.get(f"{backend.url}/api/v1/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearer"]["description"],
    }
    documented = {(method, path) for path, operations in schema["paths"].items() for method in operations}
    assert ENDPOINTS <= documented
    components = schema["components"]["schemas"]
    for method, path in ENDPOINTS:
        operation = schema["paths"][path][method]
        assert operation["summary"], (method, path)
        assert operation["security"] == [{"bearer": []}]
        for status in ("401", "413", "500"):
            assert status in operation["responses"], (method, path, status)
        success = next(status for status in operation["responses"] if status.startswith("2"))
        answer_schema = components[operation["responses"][success]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
        assert answer_schema.get("examples"), (method, path)
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
                assert response["content"]["application/json"]["examples"]
        if "requestBody" in operation:
            body_schema = components[operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]
            assert body_schema.get("examples") and body_schema["additionalProperties"] is False
            assert "400" in operation["responses"]
    assert "HTTPValidationError" not in components  # our error shape replaces FastAPI's


def test_the_interactive_docs_are_served(backend: Backend):
    docs = httpx.get(f"{backend.url}/api/v1/docs")
    assert docs.status_code == 200
    assert "/api/v1/openapi.json" in docs.text
