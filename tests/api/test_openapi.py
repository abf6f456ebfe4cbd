"""The OpenAPI document describes every endpoint: summary, examples, its errors, bearer auth."""

from __future__ import annotations

import httpx

from tests.support.backend import Backend

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
    ("post", "/api/v1/locations"),
    ("get", "/api/v1/locations"),
    ("get", "/api/v1/locations/{location_id}"),
    ("patch", "/api/v1/locations/{location_id}"),
    ("post", "/api/v1/locations/{location_id}/activation-email"),
    ("get", "/api/v1/locations/{location_id}/devices"),
    ("post", "/api/v1/locations/{location_id}/pos-keys"),
    ("get", "/api/v1/locations/{location_id}/items"),
    ("post", "/api/v1/locations/{location_id}/items"),
    ("put", "/api/v1/locations/{location_id}/pos/square"),
    ("put", "/api/v1/locations/{location_id}/pos/clover"),
    ("put", "/api/v1/locations/{location_id}/pos/shopify"),
    ("get", "/api/v1/locations/{location_id}/pos-partners"),
    ("get", "/api/v1/locations/{location_id}/pos-payments"),
    ("post", "/api/v1/redemptions"),
    ("get", "/api/v1/redemptions/{redemption_id}"),
    ("post", "/api/v1/redemptions/{redemption_id}/void"),
    ("post", "/api/v1/webhook-endpoints"),
    ("get", "/api/v1/webhook-endpoints"),
    ("get", "/api/v1/payouts"),
    ("post", "/api/v1/payouts"),
    ("get", "/api/v1/payouts/{payout_id}"),
    ("post", "/api/v1/payouts/{payout_id}/cancel"),
    ("get", "/api/v1/settings"),
    ("patch", "/api/v1/settings"),
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
        for status in ("401", "413", "500", "503"):
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


def test_the_csv_upload_the_pos_routes_and_the_square_receiver_are_documented(backend: Backend):
    schema = httpx.get(f"{backend.url}/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert set(schema["components"]["securitySchemes"]) == {"bearer", "posBearer"}

    upload = schema["paths"]["/api/v1/locations/import"]["post"]
    form = components[upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].split("/")[-1]]
    assert form["required"] == ["file"]
    assert [parameter["name"] for parameter in upload["parameters"]] == ["dry_run"]
    assert upload["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/LocationImportAnswer")
    assert upload["responses"]["413"]["description"] == "The file is larger than 5 MB"
    assert components["LocationImportAnswer"]["examples"]

    push = schema["paths"]["/api/v1/pos/payments"]["post"]
    assert push["security"] == [{"posBearer": []}] and push["summary"]
    assert {"401", "403", "413", "422", "500"} <= set(push["responses"])
    read = schema["paths"]["/api/v1/pos/payments/{payment_id}"]["get"]
    assert {next(iter(requirement)) for requirement in read["security"]} == {"posBearer", "bearer"}

    square = schema["paths"]["/api/v1/pos/square/{location_id}"]["post"]
    assert "security" not in square  # no API key: Square's signature is the credential
    assert "x-square-hmacsha256-signature" in [parameter["name"] for parameter in square["parameters"]]
    assert square["requestBody"]["content"]["application/json"]["example"]["type"] == "payment.created"
    assert {"200", "400", "401", "404"} <= set(square["responses"])
    assert {tag["name"] for tag in schema["tags"]} >= {"locations", "redemptions", "pos", "webhooks"}


def test_the_clover_and_shopify_receivers_are_documented_without_an_api_key(backend: Backend):
    paths = httpx.get(f"{backend.url}/api/v1/openapi.json").json()["paths"]
    for path, header in (("/api/v1/pos/clover/{location_id}", "X-Clover-Auth"),
                         ("/api/v1/pos/shopify/{location_id}", "X-Shopify-Hmac-Sha256")):
        receiver = paths[path]["post"]
        assert "security" not in receiver, path  # the partner's signature is the credential
        assert header in [parameter["name"] for parameter in receiver["parameters"]]
        assert receiver["requestBody"]["content"]["application/json"]["example"], path
        assert {"200", "400", "401", "404"} <= set(receiver["responses"])


def test_the_interactive_docs_are_served(backend: Backend):
    docs = httpx.get(f"{backend.url}/api/v1/docs")
    assert docs.status_code == 200
    assert "/api/v1/openapi.json" in docs.text
