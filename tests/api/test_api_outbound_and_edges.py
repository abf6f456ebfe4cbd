"""Attacks on the API's edges over real HTTP:

- URLs the server would call (webhook endpoints, a location's item and notification webhooks,
  Clover's API address, the SFTP host) pointed at this machine or the cloud metadata address,
  on a backend running as in production (ALLOW_INTERNAL_URLS off): refused with 400 naming
  the field, nothing stored, and the listener on 127.0.0.1 hears nothing;
- JSON nested thousands of levels deep and NUL characters, in API bodies, the Square, Clover
  and Shopify receivers and the settings' free-text fields: 400 in the usual error shape,
  nothing changed;
- CORS from another site's origin: no permission, never `*` with credentials;
- the docs page: its script and style come from the app, not a CDN.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.support.backend import Backend, Operator, services_on
from tests.support.listener import Listener

OWN_ORIGIN = "https://gifts.example.test"  # the backends' PUBLIC_URL (tests/support/backend.py)
NACHA = {"immediate_destination": "011000015", "immediate_origin": "1234567890", "destination_name": "FED",
         "origin_name": "EDGE NETWORK", "company_name": "EDGE NET", "company_id": "1234567890",
         "odfi_routing": "011000015"}


@pytest.fixture(scope="module")
def production_backend() -> Iterator[Backend]:
    """A backend with the outbound guard as in production."""
    running = Backend("guarded", {"ALLOW_INTERNAL_URLS": "0"})
    running.start()
    yield running
    running.stop()


@pytest.fixture
def listener() -> Iterator[Listener]:
    with Listener() as running:
        yield running


def _refused(answer: httpx.Response, field: str, status: int = 400) -> dict:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and error["field"] == field, error
    return error


def _internal_urls(listener: Listener) -> list[str]:
    return [listener.url(), f"http://localhost:{listener.port}/hook", f"http://0x7f000001:{listener.port}/",
            f"http://[::ffff:127.0.0.1]:{listener.port}/", "http://169.254.169.254/latest/meta-data/"]


# --- URLs the server would call ---------------------------------------------------------------


def test_webhook_endpoints_to_internal_addresses_are_refused(production_backend: Backend, listener: Listener):
    network = production_backend.new_operator("Probe Hooks")

    for url in _internal_urls(listener):
        error = _refused(network.http.post("/webhook-endpoints", json={"url": url}), "url")
        assert error["message"].startswith("URL must point to a server on the public internet:")

    assert network.http.get("/webhook-endpoints").json()["data"] == []
    assert not listener.reached


def test_location_webhook_urls_to_internal_addresses_are_refused(production_backend: Backend, listener: Listener):
    network = production_backend.new_operator("Probe Locations")
    location = network.add_location("Bean There")

    for url in _internal_urls(listener):
        created = network.http.post("/locations", json={"name": "Probe", "email": "probe@example.com",
                                                        "item_webhook_url": url})
        _refused(created, "item_webhook_url")
        changed = network.http.patch(f"/locations/{location['id']}", json={"notify_webhook_url": url})
        assert "Notification webhook URL" in _refused(changed, "notify_webhook_url")["message"]

    listed = network.http.get("/locations").json()["data"]
    assert [row["name"] for row in listed] == ["Bean There"]
    shown = network.http.get(f"/locations/{location['id']}").json()
    assert (shown["item_webhook_url"], shown["notify_webhook_url"]) == (None, None)
    assert not listener.reached


def test_an_sftp_host_and_a_clover_address_inside_the_network_are_refused(production_backend: Backend,
                                                                        listener: Listener):
    network = production_backend.new_operator("Probe Settings", currency="USD")
    before = network.http.get("/settings").json()
    location = network.add_location("Bean There", mode="pos")

    for host in ("127.0.0.1", "localhost", "169.254.169.254", "10.0.0.8"):
        sftp = {"host": host, "port": listener.port, "username": "bank", "password": "secret",
                "host_key_sha256": "SHA256:" + "A" * 43}
        answer = network.http.patch("/settings", json={"payouts": {"delivery": {"method": "sftp", "sftp": sftp}}})
        assert "public internet" in _refused(answer, "payouts.delivery.sftp.host")["message"]
    clover = network.http.put(f"/locations/{location['id']}/pos/clover", json={
        "merchant_id": "M1", "api_token": "token", "tender_label": "Gift card", "base_url": listener.url("")})
    _refused(clover, "base_url")

    assert network.http.get("/settings").json() == before
    assert _clover_configured(production_backend, network, location["id"]) is False
    assert not listener.reached


def _clover_configured(backend: Backend, network: Operator, location_id: int) -> bool:
    """Read through the services, on the backend's database (no API answer shows partner settings)."""
    from app.services.counter import pos_partner_settings

    with services_on(backend.database_url):
        return pos_partner_settings.partner_settings(network.id, location_id)["clover"].configured


# --- nesting and NUL ---------------------------------------------------------------------------


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_deep_json_and_nul_in_api_bodies_are_refused_and_nothing_is_issued(backend: Backend, shop: Operator):
    before = shop.http.get("/cards").json()["data"]

    deep = shop.http.post("/cards", content=b'{"amount_cents": 500, "message": ' + _deep(20_000) + b"}",
                          headers={"Content-Type": "application/json"})
    just_over = shop.http.post("/cards", content=b'{"amount_cents": 500, "message": ' + _deep(64) + b"}",
                               headers={"Content-Type": "application/json"})
    escaped_nul = shop.http.post("/cards", content=b'{"amount_cents": 500, "recipient_name": "Ann\\u0000"}',
                                 headers={"Content-Type": "application/json"})
    raw_nul = shop.http.post("/cards", content=b'{"amount_cents": 500, "recipient_name": "Ann\x00"}',
                             headers={"Content-Type": "application/json"})

    for answer in (deep, just_over):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "invalid_input"
        assert "more than 64 levels deep" in answer.json()["error"]["message"]
    for answer in (escaped_nul, raw_nul):
        assert answer.status_code == 400, answer.text
        assert "NUL character" in answer.json()["error"]["message"]
    assert escaped_nul.json()["error"]["field"] == "recipient_name"  # raw NUL is not JSON at all: no field to name
    assert shop.http.get("/cards").json()["data"] == before


def test_the_partner_receivers_refuse_deep_bodies_with_400(backend: Backend, shop: Operator):
    location = shop.add_location("Deep Square", mode="pos")
    notification_url = f"{OWN_ORIGIN}/api/v1/pos/square/{location['id']}"
    key = "square-signature-key-for-depth"
    assert shop.http.put(f"/locations/{location['id']}/pos/square", json={
        "signature_key": key, "notification_url": notification_url}).status_code == 200
    body = _deep(20_000)
    signature = base64.b64encode(hmac.new(key.encode(), notification_url.encode() + body, hashlib.sha256).digest())

    with backend.client() as partner:
        square = partner.post(f"/pos/square/{location['id']}", content=body, headers={
            "Content-Type": "application/json", "x-square-hmacsha256-signature": signature.decode()})
        clover = partner.post(f"/pos/clover/{location['id']}", content=body,
                              headers={"Content-Type": "application/json", "X-Clover-Auth": "x"})
        shopify = partner.post(f"/pos/shopify/{location['id']}", content=body,
                               headers={"Content-Type": "application/json", "X-Shopify-Hmac-Sha256": "x"})

    for answer in (square, clover, shopify):
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["code"] == "invalid_input"
    assert shop.http.get(f"/locations/{location['id']}/pos-payments").json()["data"] == []


def test_nul_in_the_payout_settings_free_text_is_refused_and_nothing_changes(backend: Backend):
    network = backend.new_operator("NUL Settings", currency="USD")
    assert network.http.patch("/settings", json={"payouts": {"nacha": NACHA}}).status_code == 200
    before = network.http.get("/settings").json()

    answer = network.http.patch("/settings", content=('{"payouts": {"nacha": {"company_name": "EDGE\\u0000NET"}}}'),
                                headers={"Content-Type": "application/json"})

    assert answer.status_code == 400 and "NUL character" in answer.json()["error"]["message"]
    assert answer.json()["error"]["field"] == "payouts.nacha.company_name"
    assert network.http.get("/settings").json() == before


# --- CORS and the docs page -----------------------------------------------------------------


def test_another_sites_origin_gets_no_cors_permission(backend: Backend, shop: Operator):
    preflight = httpx.options(f"{backend.url}/api/v1/cards", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization"})
    read = httpx.get(f"{backend.url}/api/v1/cards", headers={"Origin": "https://evil.example",
                                                             "Authorization": f"Bearer {shop.api_key}"})
    own = httpx.options(f"{backend.url}/api/v1/cards", headers={
        "Origin": OWN_ORIGIN, "Access-Control-Request-Method": "POST"})

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in read.headers
    assert own.headers["access-control-allow-origin"] == OWN_ORIGIN
    for answer in (preflight, read, own):
        assert answer.headers.get("access-control-allow-origin") != "*"


def test_the_docs_page_loads_only_the_apps_own_files(backend: Backend):
    page = httpx.get(f"{backend.url}/api/v1/docs")

    assert page.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources and all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    script = httpx.get(f"{backend.url}/api/v1/docs/assets/swagger-ui-bundle.js")
    style = httpx.get(f"{backend.url}/api/v1/docs/assets/swagger-ui.css")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in script.text
    assert style.status_code == 200 and style.headers["content-type"].startswith("text/css")
