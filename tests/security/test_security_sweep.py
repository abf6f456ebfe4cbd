"""The security sweep: every API route, called the ways an attacker would, over real HTTP.

The routes come from the app itself (`create_api()`), checked against the live
OpenAPI document, so a new route is swept as soon as it exists; a route without an
entry in `ENDPOINTS` fails the sweep until someone says how it is protected.

Each operator route is called without credentials, with a garbage key, a revoked API
key, a revoked device's secret and a revoked POS key (all 401), with a live POS key
(403: a POS may not act for the operator) and with another operator's key on this
operator's objects (404, and never one of this operator's values in the answer).
POS routes take the mirror cases; the Square receiver takes signatures; public routes
are public on purpose and say why. Every refusal is in the API error shape and every
answer carries the security headers. The dashboard side of the sweep (pages without a
session, staff on owner screens) is tests/e2e/test_security_pages.py.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from app.api import create_api
from app.api.errors import FALLBACK_NAME
from tests.support.backend import Backend, Operator, services_on

US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789", "account_type": "checking"}
NACHA = {"immediate_destination": "011000015", "immediate_origin": "1234567890", "destination_name": "FED",
         "origin_name": "SWEEP NETWORK", "company_name": "SWEEP NETWORK", "company_id": "1234567890",
         "odfi_routing": "011000015"}
CARD_AMOUNT = 73_137  # distinctive: another operator's figures must never include it


@dataclass
class World:
    """Operator A's objects (what the attacks aim at) and the keys attackers hold."""

    backend: Backend
    owner: Operator
    rival: Operator
    ids: dict[str, int]
    card_code: str
    markers: list[str]  # strings only A's answers may contain
    owner_pos_key: str  # a live POS key of A's POS location
    rival_pos_key: str  # a live POS key of the rival's POS location
    revoked_api_key: str
    revoked_pos_key: str
    revoked_device_secret: str
    square_location_id: int
    square_key: str
    square_url: str
    recipient_email: str


def _query(world: World, method: str, path: str) -> dict:
    """Query parameters that aim at A's data where a route takes them (a search for A's card)."""
    searches = {
        ("GET", "/api/v1/cards"): {"q": world.recipient_email},
        ("GET", "/api/v1/orders"): {"status": "paid"},
    }
    return {**ENDPOINTS[(method, path)].query, **searches.get((method, path), {})}


def _body(world: World, method: str, path: str) -> dict | None:
    """A body that is valid for A's objects (so a refusal is about who calls, not what is sent)."""
    ids, code = world.ids, world.card_code
    bodies = {
        ("POST", "/api/v1/cards"): {"amount_cents": 2500},
        ("POST", "/api/v1/cards/lookup"): {"code": code},
        ("POST", "/api/v1/cards/{card_id}/topups"): {"amount_cents": 1000},
        ("POST", "/api/v1/cards/batches"): {"count": 1, "amount_cents": 0},
        ("POST", "/api/v1/locations"): {"name": "Rival Shop", "email": f"rival-{uuid.uuid4().hex[:6]}@example.com"},
        ("PATCH", "/api/v1/locations/{location_id}"): {"phone": "555-0100"},
        ("POST", "/api/v1/locations/{location_id}/pos-keys"): {"name": "Till"},
        ("POST", "/api/v1/locations/{location_id}/items"): {"name": "Latte", "price_cents": 450, "sku": f"L-{uuid.uuid4().hex[:4]}"},
        ("POST", "/api/v1/redemptions"): {"card_id": ids["card"], "location_id": ids["location"], "amount_cents": 100},
        ("POST", "/api/v1/pos/payments"): {"amount_cents": 700, "reference": f"R-{uuid.uuid4().hex[:8]}"},
        ("POST", "/api/v1/webhook-endpoints"): {"url": "https://rival.example.com/hooks"},
        ("POST", "/api/v1/payouts"): {"through": "2999-12-31"},
        ("PATCH", "/api/v1/settings"): {"commission_bps": 300},
        ("POST", "/api/v1/orders/{order_id}/lines/{line_id}/refunds"): {"amount_cents": 100},
        ("POST", "/api/v1/pos/square/{location_id}"): {"event_id": "ev-1", "type": "payment.created", "data": {}},
        ("PUT", "/api/v1/locations/{location_id}/pos/square"): {
            "signature_key": "rival-key", "notification_url": "https://rival.example.com/hook"},
        ("PUT", "/api/v1/locations/{location_id}/pos/clover"): {
            "merchant_id": "RIVAL1", "api_token": "rival-token", "tender_label": "Gift"},
        ("PUT", "/api/v1/locations/{location_id}/pos/shopify"): {
            "shop_domain": "rival.myshopify.com", "webhook_secret": "rival", "payment_method_name": "Gift"},
    }
    return bodies.get((method, path))


@dataclass(frozen=True)
class Endpoint:
    """How a route is protected.

    auth: operator | pos | pos_or_operator | square | partner (Clover's, Shopify's signature) | public
          | browser (the pages' cookie routes: a sealed ticket or the browser's own cookie, this site's Origin only)
    tenant: object (the path names A's object: another operator gets 404)
            own (acts on the caller's own data: another operator's answer holds nothing of A's)
    """

    auth: str
    tenant: str = "own"
    query: dict = field(default_factory=dict)
    why_public: str = ""


ENDPOINTS: dict[tuple[str, str], Endpoint] = {
    ("GET", "/api/v1/health"): Endpoint("public", why_public="a load balancer's health check; says only 'ok'"),
    ("GET", "/api/v1/openapi.json"): Endpoint("public", why_public="the API's public documentation"),
    ("HEAD", "/api/v1/openapi.json"): Endpoint("public", why_public="the API's public documentation"),
    ("GET", "/api/v1/docs"): Endpoint("public", why_public="the API's public documentation"),
    ("GET", "/api/v1/docs/assets/swagger-ui-bundle.js"): Endpoint("public", why_public="the docs page's script"),
    ("GET", "/api/v1/docs/assets/swagger-ui.css"): Endpoint("public", why_public="the docs page's style"),
    ("GET", "/c/{link_token}/qr.png"): Endpoint("public", why_public="the card link's token is the credential "
                                                "(unknown tokens are rate limited, see test_link_guessing)"),
    ("GET", "/c/{link_token}/card.pdf"): Endpoint("public", why_public="the card link's token is the credential; "
                                                  "the printable card masks the code, as the card page does"),
    ("POST", "/auth/session"): Endpoint("browser", why_public="trades a 2-minute ticket sealed at sign-in for "
                                        "the HttpOnly session cookie"),
    ("POST", "/auth/device"): Endpoint("browser", why_public="trades a 2-minute ticket sealed at activation for "
                                       "the HttpOnly device cookie"),
    ("POST", "/auth/adopt"): Endpoint("browser", why_public="trades a live secret an older release left in "
                                      "localStorage for its cookie"),
    ("POST", "/auth/sign-out"): Endpoint("browser", why_public="revokes the session its own cookie names"),
    ("POST", "/api/v1/cards"): Endpoint("operator"),
    ("GET", "/api/v1/cards"): Endpoint("operator"),
    ("POST", "/api/v1/cards/lookup"): Endpoint("operator", "object"),
    ("GET", "/api/v1/cards/{card_id}"): Endpoint("operator", "object"),
    ("POST", "/api/v1/cards/{card_id}/topups"): Endpoint("operator", "object"),
    ("GET", "/api/v1/cards/{card_id}/transactions"): Endpoint("operator", "object"),
    ("POST", "/api/v1/cards/{card_id}/freeze"): Endpoint("operator", "object"),
    ("POST", "/api/v1/cards/{card_id}/unfreeze"): Endpoint("operator", "object"),
    ("GET", "/api/v1/cards/{card_id}/pdf"): Endpoint("operator", "object"),
    ("POST", "/api/v1/cards/batches"): Endpoint("operator"),
    ("GET", "/api/v1/cards/batches/{batch_id}/file"): Endpoint("operator", "object", query={"format": "csv"}),
    ("POST", "/api/v1/locations"): Endpoint("operator"),
    ("GET", "/api/v1/locations"): Endpoint("operator"),
    ("POST", "/api/v1/locations/import"): Endpoint("operator"),
    ("GET", "/api/v1/locations/{location_id}"): Endpoint("operator", "object"),
    ("PATCH", "/api/v1/locations/{location_id}"): Endpoint("operator", "object"),
    ("POST", "/api/v1/locations/{location_id}/activation-email"): Endpoint("operator", "object"),
    ("GET", "/api/v1/locations/{location_id}/devices"): Endpoint("operator", "object"),
    ("POST", "/api/v1/locations/{location_id}/pos-keys"): Endpoint("operator", "object"),
    ("GET", "/api/v1/locations/{location_id}/items"): Endpoint("operator", "object"),
    ("POST", "/api/v1/locations/{location_id}/items"): Endpoint("operator", "object"),
    ("POST", "/api/v1/redemptions"): Endpoint("operator", "object"),
    ("GET", "/api/v1/redemptions/{redemption_id}"): Endpoint("operator", "object"),
    ("POST", "/api/v1/redemptions/{redemption_id}/void"): Endpoint("operator", "object"),
    ("POST", "/api/v1/pos/payments"): Endpoint("pos"),
    ("GET", "/api/v1/pos/payments/{payment_id}"): Endpoint("pos_or_operator", "object"),
    ("POST", "/api/v1/pos/square/{location_id}"): Endpoint("square", "object"),
    ("POST", "/api/v1/pos/clover/{location_id}"): Endpoint("partner", "object"),
    ("POST", "/api/v1/pos/shopify/{location_id}"): Endpoint("partner", "object"),
    ("PUT", "/api/v1/locations/{location_id}/pos/square"): Endpoint("operator", "object"),
    ("PUT", "/api/v1/locations/{location_id}/pos/clover"): Endpoint("operator", "object"),
    ("PUT", "/api/v1/locations/{location_id}/pos/shopify"): Endpoint("operator", "object"),
    ("GET", "/api/v1/locations/{location_id}/pos-partners"): Endpoint("operator", "object"),
    ("GET", "/api/v1/locations/{location_id}/pos-payments"): Endpoint("operator", "object"),
    ("POST", "/api/v1/webhook-endpoints"): Endpoint("operator"),
    ("GET", "/api/v1/webhook-endpoints"): Endpoint("operator"),
    ("DELETE", "/api/v1/webhook-endpoints/{endpoint_id}"): Endpoint("operator", "object"),
    ("GET", "/api/v1/reports/summary"): Endpoint("operator"),
    ("GET", "/api/v1/api-logs"): Endpoint("operator"),
    ("GET", "/api/v1/payouts"): Endpoint("operator"),
    ("POST", "/api/v1/payouts"): Endpoint("operator"),
    ("GET", "/api/v1/payouts/{payout_id}"): Endpoint("operator", "object"),
    ("GET", "/api/v1/payouts/{payout_id}/file"): Endpoint("operator", "object", query={"format": "nacha"}),
    ("POST", "/api/v1/payouts/{payout_id}/mark-paid"): Endpoint("operator", "object"),
    ("POST", "/api/v1/payouts/{payout_id}/cancel"): Endpoint("operator", "object"),
    ("POST", "/api/v1/payouts/returns"): Endpoint("operator"),
    ("GET", "/api/v1/orders"): Endpoint("operator"),
    ("GET", "/api/v1/orders/{order_id}"): Endpoint("operator", "object"),
    ("POST", "/api/v1/orders/{order_id}/lines/{line_id}/refunds"): Endpoint("operator", "object"),
    ("GET", "/api/v1/settings"): Endpoint("operator"),
    ("PATCH", "/api/v1/settings"): Endpoint("operator"),
    ("POST", "/api/v1/settings/payouts/delivery/test"): Endpoint("operator"),
}


def _flat_routes(routes: list) -> Iterator:
    """The app's routes; FastAPI 0.165 keeps included routers as `_IncludedRouter`s whose
    routes (with their prefix) come from `effective_route_contexts()`."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if callable(contexts):
            yield from contexts()
        elif hasattr(route, "methods"):
            yield route


def _dependency_names(dependant) -> set[str]:
    names = set()
    for sub in getattr(dependant, "dependencies", None) or []:
        names.add(getattr(sub.call, "__name__", ""))
        names |= _dependency_names(sub)
    return names


def app_routes() -> dict[tuple[str, str], set[str]]:
    """Every (method, path) the API app answers (hidden routes included, the catch-all fallback
    excepted) with the names of the functions it depends on (api_caller, pos_caller, ...)."""
    found = {}
    for route in _flat_routes(create_api().routes):
        if getattr(route, "name", "") == FALLBACK_NAME:
            continue
        for method in route.methods or ():
            found[(method, route.path)] = _dependency_names(getattr(route, "dependant", None))
    return found


AUTH_DEPENDENCY = {"operator": "api_caller", "pos": "pos_caller", "pos_or_operator": "pos_or_api_caller"}
# An operator route that takes an Idempotency-Key is guarded by `idempotent_call` instead: the key's
# form at once, the key itself on the route's thread (app/api/idempotent.py); the sweep below attacks it
# like every other operator route.
OPERATOR_GUARDS = {"api_caller", "idempotent_call"}


# --------------------------------------------------------------------------- the world under attack


@pytest.fixture(scope="module")
def world(security_backend: Backend) -> Iterator[World]:
    backend = security_backend
    tag = uuid.uuid4().hex[:8]
    owner = backend.new_operator(f"Sweep Network {tag}", currency="USD")
    rival = backend.new_operator(f"Rival Network {tag}", currency="USD")
    location = owner.add_location(f"Sweep Books {tag}", email=f"sweep-books-{tag}@example.com", **US_BANK)
    pos_location = owner.add_location(f"Sweep Till {tag}", mode="pos")
    rival_pos_location = rival.add_location(f"Rival Till {tag}", mode="pos")
    recipient_email = f"sweep-recipient-{tag}@example.com"
    card = owner.issue(CARD_AMOUNT, recipient_email=recipient_email)
    redemption = owner.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                       "amount_cents": 1_000})
    assert redemption.status_code == 201, redemption.text
    assert owner.http.patch("/settings", json={"payouts": {"nacha": NACHA}}).status_code == 200
    payout = owner.http.post("/payouts", json={"through": "2999-12-31"})
    assert payout.status_code == 201, payout.text
    hook = owner.http.post("/webhook-endpoints", json={"url": f"https://sweep-{tag}.example.com/hooks"})
    assert hook.status_code == 201, hook.text
    print_run = owner.http.post("/cards/batches", json={"count": 2, "amount_cents": 2500})
    assert print_run.status_code == 201, print_run.text

    with services_on(backend.database_url):
        from app.services.access import api_keys
        from app.services.core.actor import Actor
        from app.services.counter import square_pos
        from app.services.network import devices, pos_keys
        from app.services.shop import orders
        from app.services.shop.orders import CartLine

        actor = Actor(owner.id)
        owner_pos = pos_keys.create_pos_key(actor, pos_location["id"], "Counter")
        rival_pos = pos_keys.create_pos_key(Actor(rival.id), rival_pos_location["id"], "Counter")
        revoked_pos = pos_keys.create_pos_key(actor, pos_location["id"], "Old till")
        pos_keys.revoke_pos_key(actor, revoked_pos.pos_key.id)
        revoked_key = api_keys.create_api_key(owner.id, "Leaked key")
        api_keys.revoke_api_key(owner.id, revoked_key.api_key.id)
        link = devices.create_activation_link(actor, location["id"])
        device = devices.activate_device(link.token, "Lost tablet")
        devices.revoke_device(actor, device.device.id)
        square_key, square_url = f"sq-key-{tag}", f"https://gifts.example.test/api/v1/pos/square/{pos_location['id']}"
        square_pos.configure_square(owner.id, pos_location["id"], signature_key=square_key, notification_url=square_url)
        order = orders.create_order(owner.id, buyer_name="Sweep Buyer", buyer_email=f"sweep-buyer-{tag}@example.com",
                                    lines=[CartLine(kind="card", amount_cents=2_000, for_self=True)])
        order = orders.pay_order(owner.id, order.id, "sbx_1234_approve", "sweep")
        assert order.status == "paid", order

    pushed = httpx.post(f"{backend.url}/api/v1/pos/payments", json={"amount_cents": 900, "reference": f"SWEEP-{tag}"},
                        headers={"Authorization": f"Bearer {owner_pos.plaintext}"})
    assert pushed.status_code == 201, pushed.text
    yield World(
        backend=backend, owner=owner, rival=rival,
        ids={"card": card["id"], "location": location["id"], "redemption": redemption.json()["id"],
             "payout": payout.json()["id"], "payment": pushed.json()["id"], "pos_location": pos_location["id"],
             "order": order.id, "line": order.lines[0].id, "endpoint": hook.json()["id"],
             "batch": print_run.json()["id"]},
        card_code=card["code"],
        markers=[f"Sweep Network {tag}", f"Sweep Books {tag}", f"sweep-books-{tag}", f"sweep-recipient-{tag}",
                 f"sweep-{tag}.example.com", f"SWEEP-{tag}", f"sweep-buyer-{tag}", order.number, card["code"], str(CARD_AMOUNT), owner.api_key[:11]],
        owner_pos_key=owner_pos.plaintext, rival_pos_key=rival_pos.plaintext,
        revoked_api_key=revoked_key.plaintext, revoked_pos_key=revoked_pos.plaintext,
        revoked_device_secret=device.secret,
        square_location_id=pos_location["id"], square_key=square_key, square_url=square_url,
        recipient_email=recipient_email,
    )
    owner.http.close()
    rival.http.close()


# --------------------------------------------------------------------------- calling

PATH_IDS = {"{card_id}": "card", "{location_id}": "location", "{redemption_id}": "redemption",
            "{payout_id}": "payout", "{payment_id}": "payment", "{order_id}": "order", "{line_id}": "line",
            "{endpoint_id}": "endpoint", "{batch_id}": "batch"}


def _url(world: World, method: str, path: str) -> str:
    for placeholder, name in PATH_IDS.items():
        if placeholder in path:
            object_id = world.square_location_id if "/square/" in path else world.ids[name]
            path = path.replace(placeholder, str(object_id))
    return world.backend.url + path


def call(world: World, method: str, path: str, bearer: str | None = None, headers: dict | None = None) -> httpx.Response:
    sent = dict(headers or {})
    if bearer is not None:
        sent["Authorization"] = f"Bearer {bearer}"
    kwargs: dict = {"params": _query(world, method, path), "headers": sent, "timeout": 30}
    if path == "/api/v1/locations/import":
        kwargs["files"] = {"file": ("locations.csv", b"name,email\nRival Import,rival-import@example.com\n", "text/csv")}
    elif (body := _body(world, method, path)) is not None:
        kwargs["content"] = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    return httpx.request(method, _url(world, method, path), **kwargs)


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
    "strict-transport-security": "max-age=31536000; includeSubDomains",  # the backend's PUBLIC_URL is https
}


def assert_headers(answer: httpx.Response, what: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers.get(name) == value, f"{what}: {name} is {answer.headers.get(name)!r}"
    assert answer.headers.get("referrer-policy") in ("strict-origin-when-cross-origin", "no-referrer"), what
    assert "camera=()" in answer.headers.get("permissions-policy", ""), what


def assert_refused(answer: httpx.Response, status: int, what: str, codes: Callable[[str], bool]) -> None:
    assert answer.status_code == status, f"{what}: expected {status}, got {answer.status_code} {answer.text[:300]}"
    assert answer.headers["content-type"].startswith("application/json"), what
    error = answer.json()["error"]
    assert codes(error["code"]) and error["message"], f"{what}: {error}"
    assert_headers(answer, what)


def is_code(*names: str) -> Callable[[str], bool]:
    return lambda code: code in names


def not_found(code: str) -> bool:
    return code == "not_found" or code.endswith("_not_found")


def assert_nothing_of(world: World, answer: httpx.Response, what: str) -> None:
    for marker in world.markers:
        assert marker not in answer.text, f"{what}: the answer holds {marker!r} of another operator"


# --------------------------------------------------------------------------- the sweep


def test_every_route_has_an_expectation_and_the_documentation_lists_them(security_backend: Backend):
    routes = app_routes()
    assert len(routes) > 30, routes  # the enumeration itself works
    missing = sorted(routes.keys() - ENDPOINTS.keys())
    assert not missing, f"routes nobody said how they are protected (add them to ENDPOINTS): {missing}"
    stale = sorted(ENDPOINTS.keys() - routes.keys())
    assert not stale, f"ENDPOINTS names routes that no longer exist: {stale}"
    # The table's word for a route matches the dependency that really guards it.
    for key, spec in ENDPOINTS.items():
        guards = routes[key] & (set(AUTH_DEPENDENCY.values()) | OPERATOR_GUARDS)
        expected = {AUTH_DEPENDENCY[spec.auth]} if spec.auth in AUTH_DEPENDENCY else set()
        if spec.auth == "operator" and "idempotent_call" in guards:
            expected = {"idempotent_call"}
        assert guards == expected, f"{_id(key)}: ENDPOINTS says {spec.auth}, the route depends on {guards or 'nothing'}"
    documented = httpx.get(f"{security_backend.url}/api/v1/openapi.json", timeout=30).json()["paths"]
    live = {(method.upper(), path) for path, operations in documented.items() for method in operations}
    assert live <= routes.keys(), sorted(live - routes.keys())
    assert {key for key, spec in ENDPOINTS.items() if spec.auth not in ("public", "browser") and key[0] != "HEAD"} <= live


OPERATOR_ROUTES = sorted(key for key, spec in ENDPOINTS.items() if spec.auth == "operator")
POS_ROUTES = sorted(key for key, spec in ENDPOINTS.items() if spec.auth in ("pos", "pos_or_operator"))
KEYED_ROUTES = sorted(key for key, spec in ENDPOINTS.items() if spec.auth in ("operator", "pos", "pos_or_operator"))
OBJECT_ROUTES = sorted(key for key, spec in ENDPOINTS.items()
                       if spec.tenant == "object" and spec.auth not in ("square", "partner"))
OWN_ROUTES = sorted(key for key, spec in ENDPOINTS.items() if spec.tenant == "own" and spec.auth != "public")


def _id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1].removeprefix('/api/v1')}"


@pytest.mark.parametrize("route", KEYED_ROUTES, ids=_id)
def test_without_valid_credentials_every_keyed_route_is_401(world: World, route: tuple[str, str]):
    method, path = route
    auth = ENDPOINTS[route].auth
    attempts = {
        "no credentials": None,
        "revoked device's secret": world.revoked_device_secret,  # devices do not authenticate on the API at all
    }
    if auth in ("operator", "pos_or_operator"):
        attempts.update({"garbage key": "gk_not-a-key-at-all", "revoked API key": world.revoked_api_key})
    if auth in ("pos", "pos_or_operator"):
        attempts.update({"garbage POS key": "gkpos_not-a-key-at-all", "revoked POS key": world.revoked_pos_key})
    for what, bearer in attempts.items():
        answer = call(world, method, path, bearer)
        assert_refused(answer, 401, f"{_id(route)} with {what}", is_code("unauthenticated"))
        assert answer.headers.get("www-authenticate") == "Bearer"
    basic = call(world, method, path, headers={"Authorization": "Basic b3duZXI6cGFzcw=="})
    assert_refused(basic, 401, f"{_id(route)} with Basic auth", is_code("unauthenticated"))


@pytest.mark.parametrize("route", OPERATOR_ROUTES, ids=_id)
def test_a_pos_key_is_forbidden_on_operator_routes(world: World, route: tuple[str, str]):
    answer = call(world, *route, world.owner_pos_key)
    assert_refused(answer, 403, f"{_id(route)} with a POS key", is_code("forbidden"))


def test_an_operator_key_may_not_push_pos_payments(world: World):
    answer = call(world, "POST", "/api/v1/pos/payments", world.owner.api_key)
    assert_refused(answer, 403, "POST /pos/payments with an operator key", is_code("forbidden"))


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=_id)
def test_another_operators_key_finds_nothing_of_ours(world: World, route: tuple[str, str]):
    keys = {"rival's API key": world.rival.api_key}
    if ENDPOINTS[route].auth == "pos_or_operator":
        keys["rival's POS key"] = world.rival_pos_key
    for what, bearer in keys.items():
        answer = call(world, *route, bearer)
        assert_refused(answer, 404, f"{_id(route)} with the {what}", not_found)
        assert_nothing_of(world, answer, _id(route))


@pytest.mark.parametrize("route", OWN_ROUTES, ids=_id)
def test_collection_routes_answer_only_the_callers_own_data(world: World, route: tuple[str, str]):
    bearer = world.rival_pos_key if ENDPOINTS[route].auth == "pos" else world.rival.api_key
    answer = call(world, *route, bearer)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        assert_refused(answer, answer.status_code, _id(route), lambda code: bool(code))
    assert_headers(answer, _id(route))
    assert_nothing_of(world, answer, _id(route))


def test_the_owner_reads_what_the_rival_is_refused(world: World):
    """The 404s above are about who asks: with A's own key the same addresses answer, and every
    refused write (freeze, top-up, void, cancel, delete, ...) left A's objects as they were."""
    owner = world.owner.http
    card = owner.get(f"/cards/{world.ids['card']}").json()
    assert (card["status"], card["balance_cents"]) == ("active", CARD_AMOUNT - 1_000), card
    assert owner.get(f"/redemptions/{world.ids['redemption']}").json()["status"] != "voided"
    assert owner.get(f"/payouts/{world.ids['payout']}").json()["status"] == "draft"
    assert world.ids["endpoint"] in [row["id"] for row in owner.get("/webhook-endpoints").json()["data"]]
    assert owner.get(f"/locations/{world.ids['location']}").json().get("phone") in (None, "")
    # The search the rival ran finds A's card for A (so its empty answer to the rival meant something).
    found = owner.get("/cards", params={"q": world.recipient_email}).json()["data"]
    assert [row["id"] for row in found] == [world.ids["card"]]
    assert world.ids["order"] in [row["id"] for row in owner.get("/orders", params={"status": "paid"}).json()["data"]]
    for route in OBJECT_ROUTES:
        method, path = route
        if method != "GET":
            continue
        bearer = world.owner_pos_key if ENDPOINTS[route].auth == "pos_or_operator" else world.owner.api_key
        answer = call(world, method, path, bearer)
        assert answer.status_code == 200, f"{_id(route)}: {answer.status_code} {answer.text[:200]}"
        assert_headers(answer, _id(route))


def test_the_square_receiver_takes_only_the_locations_own_signature(world: World):
    import base64
    import hashlib
    import hmac

    route = ("POST", "/api/v1/pos/square/{location_id}")
    body = json.dumps(_body(world, *route)).encode()

    def signed(key: str) -> str:
        return base64.b64encode(hmac.new(key.encode(), world.square_url.encode() + body, hashlib.sha256).digest()).decode()

    url = _url(world, *route)
    for what, headers in {
        "no signature": {},
        "another key's signature": {"x-square-hmacsha256-signature": signed("someone-else")},
        "an operator API key": {"Authorization": f"Bearer {world.owner.api_key}"},
    }.items():
        answer = httpx.post(url, content=body, headers={"Content-Type": "application/json", **headers}, timeout=30)
        assert_refused(answer, 401, f"Square receiver with {what}", is_code("unauthenticated"))
    genuine = httpx.post(url, content=body, headers={"Content-Type": "application/json",
                                                     "x-square-hmacsha256-signature": signed(world.square_key)}, timeout=30)
    assert genuine.status_code < 400, genuine.text  # the signature is the credential: accepted (the event is ignored)
    # Another operator's location that has no Square integration answers 404, not an error page.
    rival_location = world.rival.http.get("/locations").json()["data"][0]["id"]
    other = httpx.post(f"{world.backend.url}/api/v1/pos/square/{rival_location}", content=body,
                       headers={"Content-Type": "application/json", "x-square-hmacsha256-signature": signed(world.square_key)})
    assert_refused(other, 404, "Square receiver for a location without Square", not_found)


@pytest.mark.parametrize("route", sorted(k for k, s in ENDPOINTS.items() if s.auth == "public"), ids=_id)
def test_public_routes_are_public_on_purpose(world: World, route: tuple[str, str]):
    spec = ENDPOINTS[route]
    assert spec.why_public, f"{_id(route)} is public without a reason"
    method, path = route
    url = world.backend.url + path.replace("{link_token}", "not-a-real-link-token")
    answer = httpx.request(method, url, timeout=30, headers={"X-Forwarded-For": f"198.51.100.{uuid.uuid4().int % 250}"})
    if "{link_token}" in path:
        assert_refused(answer, 404, _id(route), is_code("card_not_found"))
        assert answer.headers["referrer-policy"] == "no-referrer"
    else:
        assert answer.status_code == 200, answer.text[:200]
        assert_headers(answer, _id(route))


@pytest.mark.parametrize("route", sorted(k for k, s in ENDPOINTS.items() if s.auth == "browser"), ids=_id)
def test_the_cookie_routes_set_nothing_for_a_forged_ticket_or_another_site(world: World, route: tuple[str, str]):
    assert ENDPOINTS[route].why_public
    url = world.backend.url + route[1]
    forged = httpx.post(url, json={"ticket": "gAAAAAforged", "session": "made-up", "device": "gkdev_made-up"},
                        timeout=30)
    foreign = httpx.post(url, json={"ticket": "gAAAAAforged"}, headers={"Origin": "https://evil.example"}, timeout=30)
    assert forged.status_code in (204, 400), (forged.status_code, forged.text)
    # Nothing is set; signing out only ever clears the session cookie (Max-Age=0).
    assert all("Max-Age=0" in cookie and cookie.startswith("giftnet_session=")
               for cookie in forged.headers.get_list("set-cookie")), forged.headers.get_list("set-cookie")
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers


def test_unknown_api_paths_and_methods_are_refused_in_the_error_shape(world: World):
    assert_refused(httpx.get(f"{world.backend.url}/api/v1/no-such-thing"), 404, "unknown path", is_code("not_found"))
    wrong = httpx.delete(f"{world.backend.url}/api/v1/cards", headers={"Authorization": f"Bearer {world.owner.api_key}"})
    assert_refused(wrong, 405, "DELETE /cards", is_code("method_not_allowed"))
