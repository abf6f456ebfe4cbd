"""API keys are refused the moment they are revoked; every call lands in the operator's access log."""

from __future__ import annotations

import httpx

from tests.support.backend import Backend, wait_for


def test_a_revoked_key_is_refused_at_once(backend: Backend, on_backend_db: Backend):
    from app.services.access import api_keys

    network = backend.new_operator("Revoking Network")
    created = api_keys.create_api_key(network.id, "Old shop")
    with backend.client(created.plaintext) as old_shop:
        assert old_shop.get("/cards").status_code == 200
        api_keys.revoke_api_key(network.id, created.api_key.id)
        refused = old_shop.get("/cards")
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthenticated"
        assert old_shop.post("/cards", json={"amount_cents": 5000}).status_code == 401
    assert network.http.get("/cards").status_code == 200  # the operator's other key still works


def test_the_key_is_checked_before_the_body_on_the_money_routes(backend: Backend, on_backend_db: Backend):
    """The money routes check a key's form at once and the key itself on the route's own thread;
    a body FastAPI refuses still answers 401 first to a caller without a live key."""
    from app.services.access import api_keys

    network = backend.new_operator("Key First Network")
    created = api_keys.create_api_key(network.id, "Till")
    bad_bodies = [("/cards", {"amount_cents": "lots"}), ("/redemptions", {"location_id": "here", "amount_cents": 5}),
                  ("/cards/1/topups", {"amount_cents": "x"}), ("/cards", "not json")]
    with backend.client(created.plaintext) as till:
        refused_while_live = [till.post(path, json=body).status_code for path, body in bad_bodies]
        api_keys.revoke_api_key(network.id, created.api_key.id)
        refused_when_revoked = [till.post(path, json=body) for path, body in bad_bodies]
    with backend.client("gk_" + "x" * 43) as stranger:
        made_up = [stranger.post(path, json=body).status_code for path, body in bad_bodies]
    with backend.client(None) as anonymous:
        without_key = [anonymous.post(path, json=body).status_code for path, body in bad_bodies]

    assert refused_while_live == [422, 400, 422, 400]  # FastAPI's refusals of the body, with a live key
    assert [answer.status_code for answer in refused_when_revoked] == [401, 401, 401, 401]
    assert {answer.json()["error"]["code"] for answer in refused_when_revoked} == {"unauthenticated"}
    assert made_up == without_key == [401, 401, 401, 401]


def logs(client: httpx.Client, **params) -> list[dict]:
    return client.get("/api-logs", params={"limit": 100, **params}).json()["data"]


def test_every_call_is_logged_newest_first_without_secrets(backend: Backend):
    network = backend.new_operator("Logged Network")
    card = network.issue(5000)
    network.http.get(f"/cards/{card['id']}", params={"expand": "secret-looking-query"})
    network.http.post("/cards/lookup", json={"code": card["code"]})
    network.http.get(f"/cards/{card['code']}/transactions")  # a code pasted into a path
    network.http.post("/cards", json={"amount_cents": 1})

    # (The log's own reads are logged too: keep to the card calls.)
    rows = wait_for(lambda: (found := logs(network.http, path_contains="/cards")) and len(found) >= 5 and found)
    assert [(row["method"], row["path"], row["status"]) for row in rows[:5]] == [
        ("POST", "/api/v1/cards", 422),
        ("GET", "/api/v1/cards/[redacted]/transactions", 404),
        ("POST", "/api/v1/cards/lookup", 200),
        ("GET", f"/api/v1/cards/{card['id']}", 200),
        ("POST", "/api/v1/cards", 201),
    ]
    prefix = network.api_key[:11]
    for row in rows:
        assert row["api_key_prefix"] == prefix
        assert row["ip"] == "127.0.0.1"
        assert row["duration_ms"] >= 0
        assert row["created_at"].endswith("Z")
    everything = network.http.get("/api-logs", params={"limit": 100}).text
    assert card["code"] not in everything and card["code"].replace("-", "") not in everything
    assert network.api_key not in everything and "secret-looking-query" not in everything


def test_the_log_filters_and_pages(backend: Backend, on_backend_db: Backend):
    from app.services.access import api_keys

    network = backend.new_operator("Filtered Network")
    pos = api_keys.create_api_key(network.id, "POS")
    with backend.client(pos.plaintext) as pos_client:
        pos_client.get("/cards/999999")
    for _ in range(3):
        network.http.get("/cards")
    wait_for(lambda: len(logs(network.http)) >= 5)  # 4 above, and the polling calls themselves

    failures = logs(network.http, status_class="4xx")
    assert failures and all(400 <= row["status"] < 500 for row in failures)
    assert [row["path"] for row in logs(network.http, api_key_id=pos.api_key.id)] == ["/api/v1/cards/999999"]
    assert all(row["path"] == "/api/v1/cards" for row in logs(network.http, path_contains="cards", method="GET", status=200))

    first = network.http.get("/api-logs", params={"limit": 2}).json()
    second = network.http.get("/api-logs", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    ids = [row["id"] for row in first["data"] + second["data"]]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 4


def test_an_operator_never_sees_another_operators_calls(backend: Backend):
    first = backend.new_operator("First Network")
    second = backend.new_operator("Second Network")
    first.http.get("/cards")
    second.http.get("/cards/123456")
    wait_for(lambda: logs(first.http) and logs(second.http))
    assert all(row["api_key_prefix"] == first.api_key[:11] for row in logs(first.http))
    assert "/api/v1/cards/123456" not in [row["path"] for row in logs(first.http)]


def test_a_keys_last_use_is_recorded(backend: Backend, on_backend_db: Backend):
    from app.services.access import api_keys

    network = backend.new_operator("Used Network")
    created = api_keys.create_api_key(network.id, "Shop")
    assert created.api_key.last_used_at is None
    with backend.client(created.plaintext) as shop:
        shop.get("/cards")

    def last_used():
        return next(key.last_used_at for key in api_keys.list_api_keys(network.id) if key.id == created.api_key.id)

    assert wait_for(last_used) is not None
