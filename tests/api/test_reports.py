"""The period summary: sold, topped up, redeemed, and the liability that ties them together."""

from __future__ import annotations

from tests.support.backend import Backend


def test_the_summary_adds_up_sales_top_ups_redemptions_and_liability(backend: Backend, on_backend_db: Backend):
    from app.services.core.actor import Actor
    from app.services.money import ledger

    network = backend.new_operator("Reporting Network")
    first = network.issue(5000)
    second = network.issue(3000)
    network.http.post(f"/cards/{first['id']}/topups", json={"amount_cents": 1000})
    # A redemption at a location (the redemption screens arrive with their own issue).
    ledger.debit_card(Actor(network.id, location_id=7, channel="device"), second["id"], 1200)

    summary = network.http.get("/reports/summary")
    assert summary.status_code == 200, summary.text
    figures = summary.json()
    assert (figures["sold_cents"], figures["sold_count"]) == (8000, 2)
    assert (figures["topped_up_cents"], figures["topup_count"]) == (1000, 1)
    assert (figures["redeemed_cents"], figures["redemption_count"]) == (1200, 1)
    assert figures["opening_liability_cents"] == 0
    assert figures["outstanding_liability_cents"] == 7800
    assert (
        figures["opening_liability_cents"] + figures["sold_cents"] + figures["topped_up_cents"]
        - figures["redeemed_cents"] + figures["other_cents"]
    ) == figures["outstanding_liability_cents"]
    assert figures["by_location"] == [
        {"location_id": 7, "sold_cents": 0, "topped_up_cents": 0, "redeemed_cents": 1200, "redemption_count": 1}
    ]
    assert figures["currency"] == "CAD"


def test_a_period_before_any_sale_shows_nothing_and_a_later_one_opens_with_the_liability(backend: Backend):
    network = backend.new_operator("Quiet Network")
    network.issue(2500)
    before = network.http.get("/reports/summary", params={"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert before["sold_cents"] == 0 and before["outstanding_liability_cents"] == 0
    assert before["from"] == "2020-01-01T05:00:00Z"  # midnight in Toronto
    assert before["to"] == "2020-02-01T05:00:00Z"  # the `to` date is included whole
    later = network.http.get("/reports/summary", params={"from": "2099-01-01T00:00:00Z", "to": "2099-02-01T00:00:00Z"}).json()
    assert later["opening_liability_cents"] == later["outstanding_liability_cents"] == 2500
    assert later["sold_cents"] == 0


def test_a_period_that_ends_before_it_starts_is_refused(backend: Backend):
    network = backend.new_operator("Backwards Network")
    answer = network.http.get("/reports/summary", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert answer.status_code == 400
    assert answer.json()["error"] == {"code": "invalid_input", "message": "`to` must come after `from`.", "field": "to"}


def test_the_redemption_count_leaves_out_voided_redemptions_as_the_amount_does(backend: Backend):
    network = backend.new_operator("Voiding Network")
    location = network.add_location("Corner Bakery")
    card = network.issue(5000)
    kept = network.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                   "amount_cents": 1200})
    undone = network.http.post("/redemptions", json={"card_id": card["id"], "location_id": location["id"],
                                                     "amount_cents": 800})
    assert kept.status_code == undone.status_code == 201, undone.text
    assert network.http.post(f"/redemptions/{undone.json()['id']}/void").status_code == 200

    figures = network.http.get("/reports/summary").json()

    assert (figures["redeemed_cents"], figures["redemption_count"]) == (1200, 1)
    assert [(row["location_id"], row["redeemed_cents"], row["redemption_count"]) for row in figures["by_location"]] == [
        (location["id"], 1200, 1)]
