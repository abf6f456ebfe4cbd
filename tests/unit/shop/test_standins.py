"""The fake gateways' browser-side stand-ins, without a browser (httpx against the fakes):
the scripts are served as the official ones are, uncached, and can be made to fail; the
token endpoints check the card and mint tokens; the payment endpoints accept only tokens
their stand-in minted, once, within the token's lifetime, and answer in the gateway's own
error shapes otherwise; reset() makes one fake fit for the next test.
(tests/e2e/test_gateway_standins.py drives the same scripts in Chromium.)"""

from __future__ import annotations

import base64
from datetime import date

import httpx
import pytest

from app.integrations.bambora import BamboraGateway
from app.integrations.forte import ForteGateway
from tests.fakes.bambora import APPROVED_CARD, FakeBambora
from tests.fakes.forte import FakeForte
from tests.fakes.standins import card_brand, expiry_ok, luhn_ok

NEXT_YEAR = date.today().year + 1
FORTE_CARD = "4111111111111111"
BAMBORA_ERROR_KEYS = {"code", "category", "message", "reference", "details"}


def bambora_card(**changes) -> dict:
    return {"number": APPROVED_CARD, "expiry_month": "12", "expiry_year": f"{NEXT_YEAR % 100:02d}", "cvd": "123",
            **changes}


def forte_card(fake: FakeForte, **changes) -> dict:
    return {"api_login_id": fake.api_login_id, "card_number": FORTE_CARD, "expire_month": "12",
            "expire_year": str(NEXT_YEAR), "cvv": "123", **changes}


def pay_bambora(fake: FakeBambora, token: str) -> httpx.Response:
    auth = "Passcode " + base64.b64encode(f"{fake.merchant_id}:{fake.passcode}".encode()).decode()
    return httpx.post(fake.base_url + "/v1/payments", headers={"Authorization": auth}, json={
        "payment_method": "token", "order_number": "GN-T-1", "amount": 25.0,
        "token": {"code": token, "name": "Ada", "complete": True}})


def sell_forte(fake: FakeForte, token: str) -> httpx.Response:
    basic = base64.b64encode(f"{fake.api_access_id}:{fake.api_secure_key}".encode()).decode()
    return httpx.post(
        f"{fake.base_url}/organizations/{fake.organization_id}/locations/{fake.location_id}/transactions",
        headers={"Authorization": "Basic " + basic, "X-Forte-Auth-Organization-Id": fake.organization_id},
        json={"action": "sale", "authorization_amount": 25.0, "order_number": "GN-T-1",
              "card": {"one_time_token": token}})


def test_the_card_checks_the_token_endpoints_make():
    assert luhn_ok(APPROVED_CARD) and luhn_ok(FORTE_CARD) and not luhn_ok("4030000010001235")
    assert not luhn_ok("4242") and not luhn_ok("40300000100012x4")
    today = date(2026, 5, 15)
    assert expiry_ok("05", "26", today=today) and expiry_ok("5", "2026", today=today)
    assert not expiry_ok("04", "26", today=today) and not expiry_ok("13", "30", today=today)
    assert not expiry_ok("12", "202", today=today)
    assert [card_brand(n) for n in (FORTE_CARD, "5454545454545454", "371449635398431", "6011000995500000")] == [
        "visa", "mast", "amex", "disc"]


# --- Bambora: Custom Checkout's stand-in ---------------------------------------------------


def test_bambora_serves_the_custom_checkout_script_and_its_field_page_uncached(fake_bambora):
    script = httpx.get(fake_bambora.base_url + "/customcheckout/1/customcheckout.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert script.headers["cache-control"] == "no-store"
    assert "window.customcheckout = function" in script.text
    field = httpx.get(fake_bambora.base_url + "/customcheckout/1/field.html?type=cvv")
    assert field.status_code == 200 and field.headers["content-type"].startswith("text/html")
    assert field.headers["cache-control"] == "no-store" and 'id="cc-input"' in field.text


def test_bambora_script_fail_status_makes_the_script_fail_to_load_until_reset(fake_bambora):
    fake_bambora.script_fail_status = 503
    failed = httpx.get(fake_bambora.base_url + "/customcheckout/1/customcheckout.js")
    assert failed.status_code == 503 and "customcheckout" not in failed.text
    assert failed.headers["cache-control"] == "no-store"

    fake_bambora.reset()
    assert fake_bambora.script_fail_status is None
    assert httpx.get(fake_bambora.base_url + "/customcheckout/1/customcheckout.js").status_code == 200


def test_bambora_tokenization_mints_a_recorded_token_that_pays_once(fake_bambora):
    answer = httpx.post(fake_bambora.base_url + "/scripts/tokenization/tokens", json=bambora_card())

    assert answer.status_code == 200
    body = answer.json()
    assert body["code"] == 1 and body["version"] == 1 and body["message"] == ""
    assert "access-control-allow-origin" not in answer.headers  # only the fake's own iframes may call it
    minted = fake_bambora.minted_tokens[body["token"]]
    assert (minted.card_number, minted.by) == (APPROVED_CARD, "tokenization")
    assert len(fake_bambora.tokenization_requests()) == 1

    paid = pay_bambora(fake_bambora, body["token"])
    assert paid.status_code == 200 and paid.json()["approved"] == "1" and paid.json()["card"]["last_four"] == "1234"
    again = pay_bambora(fake_bambora, body["token"])
    assert again.status_code == 400 and again.json()["message"] == "Invalid token"
    assert len(fake_bambora.payments) == 1


@pytest.mark.parametrize(("changes", "code", "message", "field"), [
    ({"number": "4030000010001235"}, 52, "Invalid card number", "number"),
    ({"number": ""}, 52, "Invalid card number", "number"),
    ({"expiry_month": "13"}, 53, "Invalid expiry date", "expiry_year"),
    ({"expiry_year": f"{(date.today().year - 1) % 100:02d}"}, 53, "Invalid expiry date", "expiry_year"),
    ({"cvd": "12"}, 54, "Invalid card CVD", "cvd"),
    ({"cvd": "12345"}, 54, "Invalid card CVD", "cvd"),
])
def test_bambora_tokenization_refuses_a_bad_card_in_bambora_s_error_shape(fake_bambora, changes, code, message,
                                                                          field):
    answer = httpx.post(fake_bambora.base_url + "/scripts/tokenization/tokens", json=bambora_card(**changes))

    assert answer.status_code == 400
    body = answer.json()
    assert set(body) == BAMBORA_ERROR_KEYS
    assert (body["code"], body["message"]) == (code, message) and body["details"][0]["field"] == field
    assert fake_bambora.minted_tokens == {}


def test_bambora_payments_accept_only_minted_tokens(fake_bambora):
    refused = pay_bambora(fake_bambora, "c" + "0" * 32)

    assert refused.status_code == 400
    assert refused.json() == {"code": 314, "category": 3, "message": "Invalid token", "reference": "", "details": []}
    assert fake_bambora.payments == {}
    token = fake_bambora.token_for(APPROVED_CARD)  # unit tests' shortcut: recorded as minted too
    assert fake_bambora.minted_tokens[token].by == "token_for"
    assert pay_bambora(fake_bambora, token).status_code == 200


def test_a_bambora_token_expires_after_its_lifetime_in_the_invalid_token_shape(fake_bambora):
    assert fake_bambora.token_ttl_seconds == 900
    fresh, old = fake_bambora.token_for(APPROVED_CARD), fake_bambora.token_for(APPROVED_CARD)
    fake_bambora.minted_tokens[fresh].minted_at -= 890
    fake_bambora.minted_tokens[old].minted_at -= 901

    assert pay_bambora(fake_bambora, fresh).status_code == 200
    expired = pay_bambora(fake_bambora, old)
    assert expired.status_code == 400
    assert expired.json() == {"code": 314, "category": 3, "message": "Token has expired", "reference": "",
                              "details": []}
    assert len(fake_bambora.payments) == 1


def test_the_bambora_client_reports_an_expired_token_as_an_error_with_bambora_s_message(fake_bambora):
    fake_bambora.token_ttl_seconds = 0
    client = BamboraGateway(merchant_id=fake_bambora.merchant_id, payments_passcode=fake_bambora.passcode,
                            base_url=fake_bambora.base_url)

    result = client.charge("GN-T-2", 2500, fake_bambora.token_for(APPROVED_CARD), currency="CAD")

    assert result.outcome == "error" and result.message == "Token has expired"
    assert fake_bambora.payments == {}


def test_bambora_reset_forgets_what_was_recorded_and_restores_the_knobs(fake_bambora):
    token = fake_bambora.token_for(APPROVED_CARD)
    pay_bambora(fake_bambora, token)
    fake_bambora.delay_seconds, fake_bambora.fail_status, fake_bambora.search_fail_status = 2.0, 500, 503
    fake_bambora.token_ttl_seconds, fake_bambora.script_delay_seconds = 1, 3.0

    fake_bambora.reset()

    assert (fake_bambora.requests, fake_bambora.payments, fake_bambora.minted_tokens, fake_bambora.used_tokens) == (
        [], {}, {}, set())
    assert (fake_bambora.delay_seconds, fake_bambora.fail_status, fake_bambora.search_fail_status,
            fake_bambora.token_ttl_seconds, fake_bambora.script_delay_seconds) == (0.0, None, None, 900.0, 0.0)
    assert pay_bambora(fake_bambora, fake_bambora.token_for(APPROVED_CARD)).status_code == 200


# --- Forte: Forte.js's stand-in ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/js/v1", "/js/v1"])
def test_forte_serves_forte_js_at_its_sandbox_and_live_paths_uncached(fake_forte, path):
    script = httpx.get(fake_forte.base_url + path)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert script.headers["cache-control"] == "no-store"
    assert "window.forte = { createToken: createToken }" in script.text

    fake_forte.script_fail_status = 404
    assert httpx.get(fake_forte.base_url + path).status_code == 404
    fake_forte.reset()
    assert httpx.get(fake_forte.base_url + path).status_code == 200


@pytest.mark.parametrize("path", ["/api/js/v1/tokens", "/js/v1/tokens"])
def test_forte_token_endpoint_allows_any_origin_without_credentials(fake_forte, path):
    preflight = httpx.options(fake_forte.base_url + path, headers={
        "Origin": "http://shop.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "content-type" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers

    answer = httpx.post(fake_forte.base_url + path, json=forte_card(fake_forte),
                        headers={"Origin": "http://shop.example"})
    assert answer.status_code == 201 and answer.headers["access-control-allow-origin"] == "*"
    body = answer.json()
    assert body["onetime_token"].startswith("ott_")
    assert (body["last_4"], body["card_type"], body["expire_month"], body["expire_year"]) == (
        "1111", "visa", "12", str(NEXT_YEAR))
    minted = fake_forte.minted_tokens[body["onetime_token"]]
    assert (minted.card_number, minted.by) == (FORTE_CARD, "forte.js")
    (recorded,) = fake_forte.token_requests()
    assert recorded.path == path and recorded.body["api_login_id"] == fake_forte.api_login_id


@pytest.mark.parametrize(("changes", "status", "message"), [
    ({"api_login_id": "not-the-id"}, 401, "Invalid api_login_id"),
    ({"api_login_id": ""}, 401, "Invalid api_login_id"),
    ({"card_number": "4111111111111112"}, 400, "Invalid card number"),
    ({"expire_month": "0"}, 400, "Invalid expiration date"),
    ({"expire_year": str(date.today().year - 1)}, 400, "Invalid expiration date"),
    ({"cvv": "1"}, 400, "Invalid CVV"),
])
def test_forte_token_endpoint_refuses_with_forte_s_response_description(fake_forte, changes, status, message):
    answer = httpx.post(fake_forte.base_url + "/api/js/v1/tokens", json=forte_card(fake_forte, **changes))

    assert answer.status_code == status and answer.json() == {"response_description": message}
    assert answer.headers["access-control-allow-origin"] == "*"  # so the page can read why
    assert fake_forte.minted_tokens == {}


def test_forte_sales_accept_only_minted_tokens_once(fake_forte):
    refused = sell_forte(fake_forte, "ott_" + "0" * 20)
    assert refused.status_code == 400
    assert refused.json()["response"]["response_code"] == "E55"
    assert refused.json()["response"]["response_desc"] == "INVALID ONE-TIME TOKEN"

    token = httpx.post(fake_forte.base_url + "/js/v1/tokens", json=forte_card(fake_forte)).json()["onetime_token"]
    sold = sell_forte(fake_forte, token)
    assert sold.status_code == 201 and sold.json()["response"]["response_code"] == "A01"
    again = sell_forte(fake_forte, token)
    assert again.status_code == 400 and again.json()["response"]["response_desc"] == "INVALID ONE-TIME TOKEN"
    assert fake_forte.minted_tokens[fake_forte.token_for(FORTE_CARD)].by == "token_for"


def test_a_forte_token_expires_after_60_minutes_in_the_invalid_token_shape(fake_forte):
    assert fake_forte.token_ttl_seconds == 3600
    fresh, old = fake_forte.token_for(FORTE_CARD), fake_forte.token_for(FORTE_CARD)
    fake_forte.minted_tokens[fresh].minted_at -= 3590
    fake_forte.minted_tokens[old].minted_at -= 3601

    assert sell_forte(fake_forte, fresh).status_code == 201
    expired = sell_forte(fake_forte, old)
    invalid = sell_forte(fake_forte, "ott_unknown")
    assert expired.status_code == invalid.status_code == 400
    assert set(expired.json()) == set(invalid.json())
    assert expired.json()["response"]["response_code"] == "E55"
    assert expired.json()["response"]["response_desc"] == "ONE-TIME TOKEN EXPIRED"


def test_the_forte_client_reports_an_expired_token_with_forte_s_message(fake_forte):
    fake_forte.token_ttl_seconds = 0
    client = ForteGateway(organization_id=fake_forte.organization_id, location_id=fake_forte.location_id,
                          api_access_id=fake_forte.api_access_id, api_secure_key=fake_forte.api_secure_key,
                          base_url=fake_forte.base_url)

    result = client.charge("GN-T-3", 2500, fake_forte.token_for(FORTE_CARD), currency="USD")

    assert result.outcome != "approved" and result.message == "ONE-TIME TOKEN EXPIRED"


def test_forte_reset_forgets_what_was_recorded_and_restores_the_knobs(fake_forte):
    sell_forte(fake_forte, fake_forte.token_for(FORTE_CARD))
    fake_forte.api_login_id, fake_forte.token_ttl_seconds, fake_forte.fail_status = "other", 0, 500
    fake_forte.delay_seconds, fake_forte.script_delay_seconds = 2.0, 1.0

    fake_forte.reset()

    assert (fake_forte.requests, fake_forte.transactions, fake_forte.minted_tokens, fake_forte.used_tokens) == (
        [], {}, {}, set())
    assert (fake_forte.api_login_id, fake_forte.token_ttl_seconds, fake_forte.fail_status, fake_forte.delay_seconds,
            fake_forte.script_delay_seconds) == ("a1b2c3d4e5", 3600.0, None, 0.0, 0.0)
    assert sell_forte(fake_forte, fake_forte.token_for(FORTE_CARD)).status_code == 201
