"""The POS partners through the API: a location's partner settings (secrets write-only,
another operator's location not found), the Clover and Shopify receivers over real HTTP
(Clover's API a local stand-in), and a location's POS payments, newest first and paged."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from tests.fakes.clover import FakeClover
from tests.support.backend import Backend, Operator
from tests.support.pos_partners import (
    CLOVER_AUTH_CODE,
    SHOPIFY_METHOD,
    SHOPIFY_SECRET,
    SHOPIFY_SHOP,
    clover_notification,
    clover_verification,
    shopify_pos_order,
    signed_by_shopify,
)
from tests.support.square import signed_by_square, square_payment_created


@pytest.fixture(scope="module")
def fake_clover_api():
    fake = FakeClover().start()
    yield fake
    fake.stop()


def _post(backend: Backend, path: str, body: bytes, headers: dict) -> httpx.Response:
    with backend.client() as partner:  # no API key: each partner's signature is the credential
        return partner.post(path, content=body, headers={"Content-Type": "application/json", **headers})


def _shopify_headers(body: bytes, *, signature: str | None = None, webhook_id: str | None = None) -> dict:
    return {"X-Shopify-Topic": "orders/create", "X-Shopify-Shop-Domain": SHOPIFY_SHOP,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Hmac-Sha256": signed_by_shopify(body) if signature is None else signature}


def test_shopify_settings_are_kept_with_the_secret_write_only(shop: Operator, rival: Operator):
    location = shop.add_location("Shopify Cafe", mode="pos")
    path = f"/locations/{location['id']}/pos/shopify"

    first_without_secret = shop.http.put(path, json={"shop_domain": SHOPIFY_SHOP, "payment_method_name": "Gift"})
    saved = shop.http.put(path, json={"shop_domain": SHOPIFY_SHOP, "webhook_secret": SHOPIFY_SECRET,
                                      "payment_method_name": SHOPIFY_METHOD})
    renamed = shop.http.put(path, json={"shop_domain": SHOPIFY_SHOP, "payment_method_name": SHOPIFY_METHOD})
    rivals = rival.http.put(path, json={"shop_domain": SHOPIFY_SHOP, "webhook_secret": "x",
                                        "payment_method_name": "Gift"})

    assert first_without_secret.status_code == 400
    assert first_without_secret.json()["error"]["field"] == "webhook_secret"
    assert saved.status_code == 200, saved.text
    answer = saved.json()
    assert answer["configured"] and answer["receiver_url"].endswith(f"/api/v1/pos/shopify/{location['id']}")
    assert answer["secrets_on_file"] == {"webhook_secret": True}
    assert SHOPIFY_SECRET not in saved.text and SHOPIFY_SECRET not in renamed.text
    assert renamed.status_code == 200 and renamed.json()["secrets_on_file"] == {"webhook_secret": True}
    assert rivals.status_code == 404 and rivals.json()["error"]["code"] == "not_found"
    listed = shop.http.get(f"/locations/{location['id']}/pos-partners").json()["data"]
    assert {row["partner"]: row["configured"] for row in listed} == {"square": False, "clover": False,
                                                                     "shopify": True}
    assert SHOPIFY_SECRET not in json.dumps(listed)
    assert rival.http.get(f"/locations/{location['id']}/pos-partners").status_code == 404


def test_a_signed_shopify_pos_order_is_listed_among_the_locations_pos_payments(backend: Backend, shop: Operator):
    location = shop.add_location("Shopify Deli", mode="pos")
    assert shop.http.put(f"/locations/{location['id']}/pos/shopify", json={
        "shop_domain": SHOPIFY_SHOP, "webhook_secret": SHOPIFY_SECRET,
        "payment_method_name": SHOPIFY_METHOD}).status_code == 200
    body = shopify_pos_order(order_id=4242, total="23.50", tip="3.50")
    path = f"/pos/shopify/{location['id']}"

    bad = _post(backend, path, body, _shopify_headers(body, signature=signed_by_shopify(body, "wrong")))
    created = _post(backend, path, body, _shopify_headers(body, webhook_id="w-1"))
    again = _post(backend, path, body, _shopify_headers(body, webhook_id="w-1"))

    assert bad.status_code == 401 and bad.json()["error"]["code"] == "unauthenticated"
    assert created.status_code == 200, created.text
    assert created.json()["reason"] == "created" and again.json()["reason"] == "duplicate"
    [payment] = shop.http.get(f"/locations/{location['id']}/pos-payments").json()["data"]
    assert (payment["source"], payment["amount_cents"], payment["tip_cents"], payment["currency"],
            payment["status"]) == ("shopify", 2350, 350, "CAD", "pending")


def test_clover_verification_then_notifications_over_http(backend: Backend, shop: Operator, fake_clover_api):
    location = shop.add_location("Clover Diner", mode="pos")
    settings = shop.http.put(f"/locations/{location['id']}/pos/clover", json={
        "merchant_id": fake_clover_api.merchant_id, "api_token": fake_clover_api.api_token,
        "tender_label": "Giftnet gift card", "base_url": fake_clover_api.base_url})
    assert settings.status_code == 200, settings.text
    assert fake_clover_api.api_token not in settings.text and not settings.json()["configured"]
    path = f"/pos/clover/{location['id']}"

    handshake = _post(backend, path, clover_verification("ce7643c1-83ea-4218"), {})
    shown = shop.http.get(f"/locations/{location['id']}/pos-partners").json()["data"]
    assert handshake.status_code == 200 and handshake.json()["verification_code_received"]
    assert [row["verification_code"] for row in shown if row["partner"] == "clover"] == ["ce7643c1-83ea-4218"]

    payment_id = fake_clover_api.add_payment(amount=1500, tip=200)
    body = clover_notification(fake_clover_api.merchant_id, (payment_id, "CREATE"))
    before_auth_code = _post(backend, path, body, {"X-Clover-Auth": CLOVER_AUTH_CODE})
    assert before_auth_code.status_code == 401
    assert shop.http.put(f"/locations/{location['id']}/pos/clover", json={
        "merchant_id": fake_clover_api.merchant_id, "tender_label": "Giftnet gift card",
        "auth_code": CLOVER_AUTH_CODE, "base_url": fake_clover_api.base_url}).json()["configured"]
    wrong = _post(backend, path, body, {"X-Clover-Auth": "not-the-code"})
    created = _post(backend, path, body, {"X-Clover-Auth": CLOVER_AUTH_CODE})
    again = _post(backend, path, body, {"X-Clover-Auth": CLOVER_AUTH_CODE})

    assert wrong.status_code == 401
    assert created.status_code == 200, created.text
    assert [row["reason"] for row in created.json()["payments"]] == ["created"]
    assert [row["reason"] for row in again.json()["payments"]] == ["duplicate"]
    [payment] = shop.http.get(f"/locations/{location['id']}/pos-payments").json()["data"]
    assert (payment["source"], payment["amount_cents"], payment["tip_cents"]) == ("clover", 1700, 200)


def test_square_settings_through_the_api_take_square_webhooks(backend: Backend, shop: Operator):
    location = shop.add_location("Square Bar", mode="pos")
    url = f"https://gifts.example.test/api/v1/pos/square/{location['id']}"
    saved = shop.http.put(f"/locations/{location['id']}/pos/square",
                          json={"signature_key": "sq-key-1", "notification_url": url})
    assert saved.status_code == 200, saved.text
    assert saved.json()["settings"] == {"notification_url": url, "tender_type": "OTHER_GIFT_CARD"}
    assert "sq-key-1" not in saved.text
    body = square_payment_created(amount=2000, tip=300, event_id=str(uuid.uuid4()), payment_id=uuid.uuid4().hex)

    answer = _post(backend, f"/pos/square/{location['id']}", body,
                   {"x-square-hmacsha256-signature": signed_by_square(body, key="sq-key-1", url=url)})

    assert answer.status_code == 200 and answer.json()["reason"] == "created", answer.text
    [payment] = shop.http.get(f"/locations/{location['id']}/pos-payments").json()["data"]
    assert (payment["amount_cents"], payment["tip_cents"], payment["source"]) == (2300, 300, "square")


def test_pos_payments_are_listed_newest_first_a_page_at_a_time_for_their_operator_only(
        shop: Operator, rival: Operator):
    location = shop.add_location("Paged Till", mode="pos")
    key = shop.http.post(f"/locations/{location['id']}/pos-keys", json={"name": "Till"}).json()["key"]
    with shop.backend.client(key) as pos:
        pushed = [pos.post("/pos/payments", json={"amount_cents": 100 * (n + 1), "reference": f"R-{n}"}).json()["id"]
                  for n in range(3)]
    path = f"/locations/{location['id']}/pos-payments"

    first = shop.http.get(path, params={"limit": 2}).json()
    second = shop.http.get(path, params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [row["id"] for row in first["data"]] == pushed[::-1][:2]
    assert [row["id"] for row in second["data"]] == pushed[:1] and second["next_cursor"] is None
    assert {row["source"] for row in first["data"]} == {"api"}
    assert shop.http.get(path, params={"status": "applied"}).json()["data"] == []
    assert len(shop.http.get(path, params={"status": "pending", "from": "2000-01-01"}).json()["data"]) == 3
    assert shop.http.get(path, params={"to": "2000-01-01"}).json()["data"] == []
    bad = shop.http.get(path, params={"from": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "from"
    refused = rival.http.get(path)
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert "R-0" not in refused.text
