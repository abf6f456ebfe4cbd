"""/api/v1/payouts and /api/v1/settings over real HTTP."""

from __future__ import annotations

import uuid

from tests.support.backend import Backend, Operator

US_BANK = {"bank_country": "US", "routing_number": "011000015", "account_number": "123456789", "account_type": "checking"}
NACHA = {
    "immediate_destination": "011000015",
    "immediate_origin": "1234567890",
    "destination_name": "FED",
    "origin_name": "PAYOUT NETWORK",
    "company_name": "PAYOUT NETWORK",
    "company_id": "1234567890",
    "odfi_routing": "011000015",
}


def _error(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["message"], error
    return error


def _network(backend: Backend) -> tuple[Operator, dict, dict]:
    """A USD operator with one banked and one unbanked location, each with a redemption."""
    operator = backend.new_operator("Payout Network", currency="USD")
    banked = operator.add_location("Alpha Books", commission_bps=250, **US_BANK)
    unbanked = operator.add_location("Zulu Cafe")
    for location, amount in ((banked, 10_000), (unbanked, 1_500)):
        card = operator.issue(20_000)
        answer = operator.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                          "amount_cents": amount})
        assert answer.status_code == 201, answer.text
    return operator, banked, unbanked


def test_create_read_download_and_pay_a_batch(backend: Backend, rival: Operator):
    operator, banked, unbanked = _network(backend)
    settings = operator.http.patch("/settings", json={"payouts": {"nacha": NACHA}})
    assert settings.status_code == 200, settings.text
    assert settings.json()["payouts"]["nacha"]["company_id"] == "1234567890"

    key = {"Idempotency-Key": str(uuid.uuid4())}
    created = operator.http.post("/payouts", json={"through": "2999-12-31"}, headers=key)
    assert created.status_code == 201, created.text
    batch = created.json()
    assert batch["status"] == "draft"
    assert [(line["location_id"], line["gross_cents"], line["commission_cents"], line["net_cents"],
             line["redemption_count"]) for line in batch["lines"]] == [(banked["id"], 10_000, 250, 9_750, 1)]
    assert batch["total_net_cents"] == 9_750
    assert [(skipped["location_id"], skipped["reason"]) for skipped in batch["skipped"]] == [
        (unbanked["id"], "No bank details")]
    replay = operator.http.post("/payouts", json={"through": "2999-12-31"}, headers=key)
    assert replay.status_code == 201 and replay.json()["id"] == batch["id"]
    assert replay.headers["Idempotent-Replayed"] == "true"

    listed = operator.http.get("/payouts").json()
    assert [row["id"] for row in listed["data"]] == [batch["id"]] and listed["next_cursor"] is None
    assert operator.http.get(f"/payouts/{batch['id']}").json()["lines"][0]["net_cents"] == 9_750

    first = operator.http.get(f"/payouts/{batch['id']}/file", params={"format": "nacha"})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/plain")
    assert "attachment" in first.headers["content-disposition"] and ".ach" in first.headers["content-disposition"]
    second = operator.http.get(f"/payouts/{batch['id']}/file", params={"format": "nacha"})
    assert second.content == first.content and first.content.startswith(b"101")
    assert operator.http.get(f"/payouts/{batch['id']}").json()["status"] == "exported"
    _error(operator.http.get(f"/payouts/{batch['id']}/file", params={"format": "cpa005"}), 409, "conflict")
    _error(operator.http.get(f"/payouts/{batch['id']}/file", params={"format": "pdf"}), 400, "invalid_input")

    # another operator's batch does not exist for the rival
    _error(rival.http.get(f"/payouts/{batch['id']}"), 404, "not_found")
    _error(rival.http.get(f"/payouts/{batch['id']}/file", params={"format": "nacha"}), 404, "not_found")
    _error(rival.http.post(f"/payouts/{batch['id']}/mark-paid"), 404, "not_found")
    _error(rival.http.post(f"/payouts/{batch['id']}/cancel"), 404, "not_found")

    paid = operator.http.post(f"/payouts/{batch['id']}/mark-paid", json={"email_statements": True})
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["paid_at"]
    _error(operator.http.post(f"/payouts/{batch['id']}/mark-paid"), 409, "conflict")
    _error(operator.http.post(f"/payouts/{batch['id']}/cancel"), 409, "conflict")
    # nothing left to pay for the banked location
    _error(operator.http.post("/payouts", json={"through": "2999-12-31"}), 409, "conflict")


def test_cancel_frees_the_redemptions_and_bad_input_is_refused(backend: Backend):
    operator, banked, _unbanked = _network(backend)
    batch = operator.http.post("/payouts", json={"through": "2999-12-31"}).json()
    cancelled = operator.http.post(f"/payouts/{batch['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    _error(operator.http.post(f"/payouts/{batch['id']}/cancel"), 409, "conflict")
    _error(operator.http.get(f"/payouts/{batch['id']}/file", params={"format": "nacha"}), 409, "conflict")
    again = operator.http.post("/payouts", json={"through": "2999-12-31"})
    assert again.status_code == 201 and again.json()["lines"][0]["location_id"] == banked["id"]
    assert [row["status"] for row in operator.http.get("/payouts").json()["data"]] == ["draft", "cancelled"]

    error = _error(operator.http.post("/payouts", json={"through": "yesterday"}), 400, "invalid_input")
    assert error["field"] == "through"
    _error(operator.http.post("/payouts", json={}), 400, "invalid_input")
    _error(operator.http.post("/payouts", json={"through": "2026-01-01", "extra": 1}), 400, "invalid_input")
    _error(operator.http.get("/payouts/999999"), 404, "not_found")
    _error(operator.http.get("/payouts", params={"cursor": "abc"}), 400, "invalid_input")
    # a batch without NACHA settings names what is missing
    error = _error(operator.http.get(f"/payouts/{again.json()['id']}/file", params={"format": "nacha"}), 409, "conflict")
    assert "NACHA" in error["message"]


def test_settings_read_and_change(backend: Backend):
    operator = backend.new_operator("Settings Network", currency="USD")
    settings = operator.http.get("/settings")
    assert settings.status_code == 200, settings.text
    assert set(settings.json()) >= {"commission_bps", "card_min_cents", "card_max_cents", "payouts"}
    changed = operator.http.patch("/settings", json={"commission_bps": 300, "card_min_cents": 1000,
                                                     "payouts": {"cpa005": {"return_account_number": "7654321"}}})
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["commission_bps"] == 300 and body["card_min_cents"] == 1000
    assert body["payouts"]["cpa005"]["return_account_last4"] == "4321"
    assert "7654321" not in changed.text
    error = _error(operator.http.patch("/settings", json={"commission_bps": 10_001}), 400, "invalid_input")
    assert error["field"] == "commission_bps"
    error = _error(operator.http.patch("/settings", json={"payouts": {"nacha": {"odfi_routing": "123456789"}}}),
                   400, "invalid_input")
    assert error["field"] == "payouts.nacha.odfi_routing"
    _error(operator.http.patch("/settings", json={"payouts": {"nacha": {"bank": "x"}}}), 400, "invalid_input")
    _error(operator.http.patch("/settings", json={"colour": "red"}), 400, "invalid_input")
    assert operator.http.get("/settings").json()["commission_bps"] == 300  # refusals changed nothing


def test_dates_at_the_edge_of_the_calendar_are_refused_not_a_server_error(shop: Operator):
    for body in ({"through": "9999-12-31"}, {"through": "2026-01-01", "from": "0001-01-01"}):
        answer = shop.http.post("/payouts", json=body)
        assert answer.status_code in (400, 409), answer.text
        assert answer.json()["error"]["code"] in ("invalid_input", "conflict")
