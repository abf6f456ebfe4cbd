"""Redeeming a card at the counter: a plain amount, items from the catalog or from the
location's own system, voids, and the email the location gets. Every test runs on
SQLite and on PostgreSQL (the `database` fixture, through `make_operator`)."""

from __future__ import annotations

import zoneinfo
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import standardwebhooks
from sqlalchemy import update
from sqlmodel import select

from app.db import read_session, write_session
from app.models import Operator, OutboxMessage, Redemption
from app.models.base import utcnow
from app.services.core import card_guessing, codes
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode
from app.services.core.rate_limit import MemoryRateLimiter
from app.services.counter import redemptions
from app.services.counter.redemptions import LineRequest
from app.services.messaging import outbox, webhooks
from app.services.money import card_lookup, ledger
from app.services.network import items, locations
from app.settings import get_settings
from tests.support.counter import activate_counter, balance, device_code, issue, open_location, rows_of
from tests.support.ports import free_port
from tests.support.receiver import Answer, Receiver, unused_loopback_url
from tests.support.services import at_once, ledger_rows, refused
from tests.support.smtp import Inbox, SmtpServer, use_smtp


@pytest.fixture
def shop(make_operator):
    """A network with one active location and a counter device there."""
    owner = make_operator("Downtown Association")
    location = open_location(owner)
    return SimpleNamespace(owner=owner, location=location, counter=activate_counter(owner, location))


# --- an amount ---------------------------------------------------------------------


def test_a_card_is_redeemed_by_its_code_typed_in_any_case_with_or_without_dashes(shop):
    card = issue(shop.owner, 5000)
    formatted = codes.format_code(card.code)
    typed = [formatted, formatted.lower(), card.code.lower(), formatted.replace("-", " ")]

    receipts = [redemptions.redeem(shop.counter, location_id=shop.location.id, card_code=entered, amount_cents=1000)
                for entered in typed]

    assert {receipt.redemption.card_id for receipt in receipts} == {card.card.id}
    assert [receipt.redemption.balance_after_cents for receipt in receipts] == [4000, 3000, 2000, 1000]
    assert (receipts[0].last4, receipts[0].location_name) == (card.code[-4:], "Main Street Books")
    assert receipts[0].device_code == device_code(shop.counter)
    assert balance(card.card.id) == 1000


def test_a_card_is_redeemed_by_its_id_and_its_ledger_names_the_location_and_device(shop, published):
    card = issue(shop.owner, 5000)

    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=2000)

    issue_row, redeem_row = ledger_rows(card.card.id)
    assert (issue_row.kind, redeem_row.kind) == ("issue", "redeem")
    assert (redeem_row.amount_cents, redeem_row.balance_after_cents) == (-2000, 3000)
    assert (redeem_row.location_id, redeem_row.device_id) == (shop.location.id, shop.counter.device_id)
    assert redeem_row.redemption_id == receipt.redemption.id
    stored = redemptions.get_redemption(shop.owner.operator.id, receipt.redemption.id)
    assert (stored.redemption.kind, stored.redemption.status, stored.redemption.amount_cents) == ("amount", "completed",
                                                                                                   2000)
    assert stored.device_code == receipt.device_code
    [completed] = [event for event in published if event.type == "redemption.completed"]
    assert completed.data["redemption_id"] == receipt.redemption.id
    assert (completed.data["amount_cents"], completed.data["balance_after_cents"]) == (2000, 3000)


def test_a_wrong_code_is_one_generic_not_found_and_a_malformed_one_is_explained(shop):
    assert refused(redemptions.redeem, shop.counter, location_id=shop.location.id,
                   card_code="ABCD-EFGH-JKMN-PQRS", amount_cents=100).code == ErrorCode.card_not_found
    assert refused(redemptions.redeem, shop.counter, location_id=shop.location.id,
                   card_code="not a code", amount_cents=100).code == ErrorCode.invalid_card_code


def test_guessing_codes_at_a_redemption_is_limited_like_the_look_up(shop, monkeypatch):
    fresh_limiter = MemoryRateLimiter()  # this test's own counters, whatever ran before
    monkeypatch.setattr(card_guessing, "get_rate_limiter", lambda: fresh_limiter)  # the one guessing limit
    card = issue(shop.owner, 5000)
    for _ in range(get_settings().lookup_failures_per_caller):
        assert refused(redemptions.redeem, shop.counter, location_id=shop.location.id,
                       card_code="ABCD-EFGH-JKMN-PQRS", amount_cents=100).code == ErrorCode.card_not_found

    waiting = refused(redemptions.redeem, shop.counter, location_id=shop.location.id, card_code=card.code,
                      amount_cents=100)  # even the right code waits now

    assert waiting.code == ErrorCode.rate_limited and waiting.retry_after_seconds >= 1
    # The counter's screen counts under the same name: typing a code there waits too.
    assert refused(card_lookup.lookup_card_by_code, shop.owner.operator.id, card.code,
                   caller=card_lookup.caller_name(shop.counter), ip="").code == ErrorCode.rate_limited
    assert balance(card.card.id) == 5000
    # The card itself is still reachable by its id: only guessing codes is limited.
    assert redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id,
                              amount_cents=100).redemption.balance_after_cents == 4900


def test_a_redemption_names_exactly_one_of_amount_items_or_payment(shop):
    card = issue(shop.owner, 5000)
    both = refused(redemptions.redeem, shop.counter, location_id=shop.location.id, card_id=card.card.id,
                   amount_cents=100, items=[LineRequest(price_cents=100, name="Tea")])
    neither = refused(redemptions.redeem, shop.counter, location_id=shop.location.id, card_id=card.card.id)
    assert both.code == neither.code == ErrorCode.invalid_input
    assert refused(redemptions.redeem, shop.counter, location_id=shop.location.id, card_id=card.card.id,
                   amount_cents=0).code == ErrorCode.invalid_amount
    assert balance(card.card.id) == 5000


def test_a_device_redeems_only_at_its_own_location(shop):
    card = issue(shop.owner, 5000)
    elsewhere = open_location(shop.owner, "Corner Bakery")

    error = refused(redemptions.redeem, shop.counter, location_id=elsewhere.id, card_id=card.card.id, amount_cents=500)

    assert (error.code, error.field) == (ErrorCode.forbidden, "location_id")
    assert balance(card.card.id) == 5000
    assert rows_of(Redemption) == []


def test_an_inactive_location_cannot_redeem(shop):
    card = issue(shop.owner, 5000)
    closed = open_location(shop.owner, "Closed Cafe", active=False)

    error = refused(redemptions.redeem, shop.owner.actor, location_id=closed.id, card_id=card.card.id, amount_cents=500)

    assert error.code == ErrorCode.forbidden
    assert "not active" in error.message
    assert balance(card.card.id) == 5000


def test_another_network_cannot_redeem_my_cards_nor_use_my_locations_nor_see_my_redemptions(shop, make_operator):
    mine = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=mine.card.id, amount_cents=1000)
    stranger = make_operator("Uptown Network")
    their_location = open_location(stranger, "Uptown Deli")
    their_counter = activate_counter(stranger, their_location)
    theirs = issue(stranger, 5000)

    assert refused(redemptions.redeem, their_counter, location_id=their_location.id, card_id=mine.card.id,
                   amount_cents=100).code == ErrorCode.card_not_found
    assert refused(redemptions.redeem, their_counter, location_id=their_location.id, card_code=mine.code,
                   amount_cents=100).code == ErrorCode.card_not_found
    assert refused(redemptions.redeem, stranger.actor, location_id=shop.location.id, card_id=theirs.card.id,
                   amount_cents=100).code == ErrorCode.not_found
    assert refused(redemptions.get_redemption, stranger.operator.id, receipt.redemption.id).code == ErrorCode.not_found
    assert refused(redemptions.void_redemption, stranger.actor, receipt.redemption.id).code == ErrorCode.not_found
    assert redemptions.recent_redemptions(stranger.operator.id) == []

    assert (balance(mine.card.id), balance(theirs.card.id)) == (4000, 5000)
    assert redemptions.get_redemption(shop.owner.operator.id, receipt.redemption.id).redemption.status == "completed"
    assert [row.id for row in rows_of(Redemption)] == [receipt.redemption.id]


def test_a_frozen_card_is_refused(shop):
    card = issue(shop.owner, 5000)
    ledger.set_card_frozen(shop.owner.actor, card.card.id, True)

    error = refused(redemptions.redeem, shop.counter, location_id=shop.location.id, card_id=card.card.id,
                    amount_cents=500)

    assert error.code == ErrorCode.card_not_active
    assert "frozen" in error.message
    assert balance(card.card.id) == 5000
    assert rows_of(Redemption) == []


def test_more_than_the_balance_is_insufficient_funds_and_moves_nothing(shop):
    card = issue(shop.owner, 1000)

    error = refused(redemptions.redeem, shop.counter, location_id=shop.location.id, card_id=card.card.id,
                    amount_cents=1001)

    assert error.code == ErrorCode.insufficient_funds
    assert "$10.00" in error.message
    assert balance(card.card.id) == 1000
    assert [row.kind for row in ledger_rows(card.card.id)] == ["issue"]
    assert rows_of(Redemption) == []


def test_a_retried_redemption_returns_the_same_receipt_and_moves_money_once(shop, published):
    card = issue(shop.owner, 5000)

    first = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1500,
                               idempotency_key="till-1-sale-42")
    again = redemptions.redeem(shop.counter, location_id=shop.location.id, card_code=card.code, amount_cents=1500,
                               idempotency_key="till-1-sale-42")

    assert again.redemption.id == first.redemption.id
    assert (first.replayed, again.replayed) == (False, True)
    assert again.redemption.balance_after_cents == 3500
    assert balance(card.card.id) == 3500
    assert [row.kind for row in ledger_rows(card.card.id)] == ["issue", "redeem"]
    assert len([event for event in published if event.type == "redemption.completed"]) == 1


def test_the_same_key_for_another_amount_or_card_is_refused(shop):
    card, other_card = issue(shop.owner, 5000), issue(shop.owner, 5000)
    redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1500,
                       idempotency_key="sale-7")

    other_amount = refused(redemptions.redeem, shop.counter, location_id=shop.location.id, card_id=card.card.id,
                           amount_cents=1600, idempotency_key="sale-7")
    other_card_error = refused(redemptions.redeem, shop.counter, location_id=shop.location.id,
                               card_id=other_card.card.id, amount_cents=1500, idempotency_key="sale-7")

    assert other_amount.code == other_card_error.code == ErrorCode.idempotency_key_reused
    assert (balance(card.card.id), balance(other_card.card.id)) == (3500, 5000)


def test_a_retry_racing_the_first_call_still_moves_money_once(shop):
    card = issue(shop.owner, 5000)

    results = at_once(8, lambda _: redemptions.redeem(shop.counter, location_id=shop.location.id,
                                                      card_id=card.card.id, amount_cents=3000,
                                                      idempotency_key="double-tap"))

    assert {result.redemption.id for result in results} == {rows_of(Redemption)[0].id}
    assert sum(not result.replayed for result in results) == 1
    assert balance(card.card.id) == 2000
    assert ledger.check_ledger() == []


def test_thirty_concurrent_redemptions_spend_exactly_the_cents_on_the_card(shop):
    card = issue(shop.owner, 4500)
    second_counter = activate_counter(shop.owner, shop.location, "Back counter")
    counters = [shop.counter, second_counter]

    results = at_once(30, lambda index: redemptions.redeem(counters[index % 2], location_id=shop.location.id,
                                                           card_id=card.card.id, amount_cents=300,
                                                           idempotency_key=f"sale-{index}"))

    spent = [result for result in results if isinstance(result, redemptions.RedemptionResult)]
    refusals = [result for result in results if not isinstance(result, redemptions.RedemptionResult)]
    assert len(spent) == 15
    assert {error.code for error in refusals} == {ErrorCode.insufficient_funds}
    assert balance(card.card.id) == 0
    assert sorted(result.redemption.balance_after_cents for result in spent) == list(range(0, 4500, 300))
    assert len(rows_of(Redemption)) == 15
    assert ledger.check_ledger() == []


def test_recent_redemptions_are_newest_first_per_location_and_device(shop):
    card = issue(shop.owner, 5000)
    back = activate_counter(shop.owner, shop.location, "Back counter")
    first = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=100)
    second = redemptions.redeem(back, location_id=shop.location.id, card_id=card.card.id, amount_cents=200)

    recent = redemptions.recent_redemptions(shop.owner.operator.id, location_id=shop.location.id)
    from_back = redemptions.recent_redemptions(shop.owner.operator.id, device_id=back.device_id)

    assert [(redemption.id, last4) for redemption, last4 in recent] == [(second.redemption.id, card.code[-4:]),
                                                                        (first.redemption.id, card.code[-4:])]
    assert [redemption.id for redemption, _ in from_back] == [second.redemption.id]


# --- items from the stored catalog -----------------------------------------------------


@pytest.fixture
def cafe(shop):
    """The shop with a small stored catalog: a latte (with a SKU) and a muffin (without)."""
    shop.latte = items.create_item(shop.owner.actor, shop.location.id, name="Latte", price_cents=450, sku="LAT")
    shop.muffin = items.create_item(shop.owner.actor, shop.location.id, name="Muffin", price_cents=325)
    return shop


def test_items_from_the_catalog_by_sku_and_by_name_are_kept_on_the_redemption(cafe):
    card = issue(cafe.owner, 5000)

    receipt = redemptions.redeem(cafe.counter, location_id=cafe.location.id, card_id=card.card.id, items=[
        LineRequest(price_cents=450, quantity=2, sku="LAT"),
        LineRequest(price_cents=325, name="  muffin "),
    ])

    assert (receipt.redemption.kind, receipt.redemption.amount_cents) == ("items", 1225)
    assert balance(card.card.id) == 3775
    kept = redemptions.get_redemption(cafe.owner.operator.id, receipt.redemption.id).lines
    assert [(line.name, line.sku, line.unit_price_cents, line.quantity, line.line_total_cents, line.item_id)
            for line in kept] == [("Latte", "LAT", 450, 2, 900, cafe.latte.id),
                                  ("Muffin", None, 325, 1, 325, cafe.muffin.id)]


def test_an_item_must_cost_what_the_catalog_says(cafe):
    card = issue(cafe.owner, 5000)

    error = refused(redemptions.redeem, cafe.counter, location_id=cafe.location.id, card_id=card.card.id,
                    items=[LineRequest(price_cents=325, sku="MUF-X", name="Muffin"),
                           LineRequest(price_cents=400, sku="LAT")])

    assert (error.code, error.field) == (ErrorCode.invalid_input, "items[1].price_cents")
    assert error.message == "Latte costs $4.50, not $4.00."
    assert balance(card.card.id) == 5000


def test_an_item_not_in_the_catalog_or_no_longer_sold_is_refused(cafe):
    card = issue(cafe.owner, 5000)
    items.set_item_active(cafe.owner.actor, cafe.muffin.id, False)

    unknown = refused(redemptions.redeem, cafe.counter, location_id=cafe.location.id, card_id=card.card.id,
                      items=[LineRequest(price_cents=999, sku="CAKE")])
    retired = refused(redemptions.redeem, cafe.counter, location_id=cafe.location.id, card_id=card.card.id,
                      items=[LineRequest(price_cents=325, name="Muffin")])
    nothing = refused(redemptions.redeem, cafe.counter, location_id=cafe.location.id, card_id=card.card.id, items=[])

    assert (unknown.code, unknown.message) == (ErrorCode.invalid_input, "CAKE is not in this location's catalog.")
    assert retired.message == "Muffin is not in this location's catalog."
    assert (nothing.code, nothing.message) == (ErrorCode.invalid_input, "Choose at least one item.")
    assert balance(card.card.id) == 5000


def test_a_quantity_is_a_whole_number_from_1_to_99(cafe):
    card = issue(cafe.owner, 50000)
    for quantity in (0, 100, -1, 1.5, True):
        error = refused(redemptions.redeem, cafe.counter, location_id=cafe.location.id, card_id=card.card.id,
                        items=[LineRequest(price_cents=450, sku="LAT", quantity=quantity)])
        assert (error.code, error.field) == (ErrorCode.invalid_input, "items[0].quantity"), quantity
    assert balance(card.card.id) == 50000
    receipt = redemptions.redeem(cafe.counter, location_id=cafe.location.id, card_id=card.card.id,
                                 items=[LineRequest(price_cents=450, sku="LAT", quantity=99)])
    assert receipt.redemption.amount_cents == 99 * 450


def test_the_same_key_for_another_basket_is_refused(cafe):
    card = issue(cafe.owner, 5000)
    basket = [LineRequest(price_cents=450, sku="LAT", quantity=2)]
    first = redemptions.redeem(cafe.counter, location_id=cafe.location.id, card_id=card.card.id, items=basket,
                               idempotency_key="basket-1")

    replayed = redemptions.redeem(cafe.counter, location_id=cafe.location.id, card_id=card.card.id, items=basket,
                                  idempotency_key="basket-1")
    other_basket = refused(redemptions.redeem, cafe.counter, location_id=cafe.location.id, card_id=card.card.id,
                           items=[LineRequest(price_cents=450, sku="LAT", quantity=3)], idempotency_key="basket-1")

    assert (replayed.redemption.id, replayed.replayed) == (first.redemption.id, True)
    assert other_basket.code == ErrorCode.idempotency_key_reused
    assert balance(card.card.id) == 5000 - 900


def test_items_cannot_add_up_to_more_than_the_balance(cafe):
    card = issue(cafe.owner, 1000)

    error = refused(redemptions.redeem, cafe.counter, location_id=cafe.location.id, card_id=card.card.id,
                    items=[LineRequest(price_cents=450, sku="LAT", quantity=2), LineRequest(price_cents=325,
                                                                                           name="Muffin")])

    assert error.code == ErrorCode.insufficient_funds
    assert balance(card.card.id) == 1000
    assert rows_of(Redemption) == []


# --- items from the location's own system ----------------------------------------------


SALON_ITEMS = {"items": [{"name": "Haircut", "price_cents": 3500, "sku": "CUT"},
                         {"name": "Beard trim", "price_cents": 1500}]}


def test_items_come_signed_from_the_locations_webhook_and_are_kept_on_the_redemption(make_operator):
    owner = make_operator()
    with Receiver(Answer(200, SALON_ITEMS)) as salon_system:
        salon = open_location(owner, "Salon Nova", mode="items", external_id="SN-1", item_webhook_url=salon_system.url)
        salon_system.secret = webhooks.reveal_location_secret(owner.actor, salon.id)
        counter = activate_counter(owner, salon)

        fetched = items.fetch_webhook_items(owner.operator.id, salon.id)

    assert fetched == [items.WebhookItem("Haircut", 3500, "CUT"), items.WebhookItem("Beard trim", 1500, None)]
    [request] = salon_system.received
    assert request.verified is True  # standardwebhooks.Webhook(secret).verify(body, headers) passed
    assert request.headers["webhook-id"].startswith("msg_")
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(webhooks.new_secret()).verify(request.body, request.headers)
    assert request.json()["type"] == "items.requested"
    assert request.json()["data"] == {"location_id": salon.id, "location_external_id": "SN-1"}

    card = issue(owner, 10000)
    receipt = redemptions.redeem(counter, location_id=salon.id, card_id=card.card.id, items=[
        LineRequest(price_cents=item.price_cents, sku=item.sku, name=item.name, quantity=1) for item in fetched
    ])
    assert receipt.redemption.amount_cents == 5000
    assert [(line.name, line.sku, line.line_total_cents, line.item_id) for line in receipt.lines] == [
        ("Haircut", "CUT", 3500, None), ("Beard trim", None, 1500, None)]
    assert balance(card.card.id) == 5000


def test_a_failing_item_webhook_is_item_webhook_failed_so_the_screen_offers_an_amount(make_operator, monkeypatch):
    monkeypatch.setattr(items, "ITEM_WEBHOOK_TIMEOUT_SECONDS", 0.3)
    owner = make_operator()
    failures = [Answer(500), Answer(200, SALON_ITEMS, delay_seconds=3), Answer(200, b"<html>oops</html>"),
                Answer(200, {"items": [{"name": "Free", "price_cents": 0}]}), Answer(200, {"products": []})]
    with Receiver(*failures) as salon_system:
        salon = open_location(owner, "Salon Nova", mode="items", item_webhook_url=salon_system.url)
        errors = [refused(items.fetch_webhook_items, owner.operator.id, salon.id) for _ in failures]
    locations.update_location(owner.actor, salon.id, {"item_webhook_url": unused_loopback_url()})
    errors.append(refused(items.fetch_webhook_items, owner.operator.id, salon.id))

    for error in errors:
        assert error.code == ErrorCode.item_webhook_failed
        assert error.message.startswith("The location's item list could not be loaded")
        assert error.message.endswith("Enter an amount instead.")
    assert "(HTTP 500)" in errors[0].message
    assert "not a list of items" in errors[2].message and "not a list of items" in errors[4].message
    # A silent server and a closed port read the same: the screen is no port scanner.
    assert errors[1].message == errors[5].message and "no answer from its address" in errors[5].message


# --- void -------------------------------------------------------------------------------


def test_a_void_the_same_day_puts_the_money_back_as_a_new_ledger_row(shop, published):
    card = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)
    redeem_row_before = ledger_rows(card.card.id)[1]

    voided = redemptions.void_redemption(shop.counter, receipt.redemption.id)

    assert voided.redemption.status == "voided"
    assert voided.redemption.voided_by_device_id == shop.counter.device_id
    assert balance(card.card.id) == 5000
    rows = ledger_rows(card.card.id)
    assert [(row.kind, row.amount_cents, row.balance_after_cents) for row in rows] == [
        ("issue", 5000, 5000), ("redeem", -1200, 3800), ("void", 1200, 5000)]
    assert rows[1].model_dump() == redeem_row_before.model_dump()  # the redemption's row is never edited
    assert rows[2].redemption_id == receipt.redemption.id
    assert [event.type for event in published][-1] == "redemption.voided"
    assert ledger.check_ledger() == []


def test_voiding_twice_is_a_conflict_and_credits_once(shop):
    card = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)
    redemptions.void_redemption(shop.counter, receipt.redemption.id)

    error = refused(redemptions.void_redemption, shop.owner.actor, receipt.redemption.id)

    assert (error.code, error.message) == (ErrorCode.conflict, "This redemption was already voided.")
    assert balance(card.card.id) == 5000
    assert [row.kind for row in ledger_rows(card.card.id)] == ["issue", "redeem", "void"]


def test_two_voids_at_once_credit_the_card_once(shop):
    card = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)

    outcomes = at_once(4, lambda _: redemptions.void_redemption(shop.counter, receipt.redemption.id))

    assert sum(isinstance(outcome, redemptions.RedemptionResult) for outcome in outcomes) == 1
    assert {outcome.code for outcome in outcomes if not isinstance(outcome, redemptions.RedemptionResult)} == {
        ErrorCode.conflict}
    assert balance(card.card.id) == 5000
    assert [row.kind for row in ledger_rows(card.card.id)] == ["issue", "redeem", "void"]


def test_a_retried_void_with_its_key_answers_the_same_void(shop):
    card = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)

    first = redemptions.void_redemption(shop.counter, receipt.redemption.id, idempotency_key="void-1")
    again = redemptions.void_redemption(shop.counter, receipt.redemption.id, idempotency_key="void-1")

    assert (first.replayed, again.replayed) == (False, True)
    assert again.redemption.status == "voided"
    assert balance(card.card.id) == 5000


def _move_redemption_to_local_time(redemption_id: int, operator_id: int, *, days_ago: int, hour: int,
                                   minute: int) -> None:
    with read_session() as session:
        zone = zoneinfo.ZoneInfo(session.get(Operator, operator_id).timezone)
    local_day = utcnow().astimezone(zone).date() - timedelta(days=days_ago)
    moment = datetime(local_day.year, local_day.month, local_day.day, hour, minute, tzinfo=zone)
    with write_session() as session:
        session.execute(update(Redemption).where(Redemption.id == redemption_id).values(created_at=moment))


def test_a_redemption_of_yesterday_in_the_networks_timezone_cannot_be_voided(shop):
    card = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)
    _move_redemption_to_local_time(receipt.redemption.id, shop.owner.operator.id, days_ago=1, hour=23, minute=59)

    error = refused(redemptions.void_redemption, shop.counter, receipt.redemption.id)

    assert error.code == ErrorCode.conflict
    assert error.message.startswith("Only today's redemptions can be voided.")
    assert balance(card.card.id) == 3800
    assert redemptions.get_redemption(shop.owner.operator.id, receipt.redemption.id).redemption.status == "completed"


def test_a_redemption_just_after_local_midnight_is_still_today(shop):
    card = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)
    _move_redemption_to_local_time(receipt.redemption.id, shop.owner.operator.id, days_ago=0, hour=0, minute=0)

    assert redemptions.void_redemption(shop.counter, receipt.redemption.id).redemption.status == "voided"
    assert balance(card.card.id) == 5000


def test_a_device_of_another_location_cannot_void_but_the_network_can(shop):
    card = issue(shop.owner, 5000)
    receipt = redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)
    bakery_counter = activate_counter(shop.owner, open_location(shop.owner, "Corner Bakery"))

    error = refused(redemptions.void_redemption, bakery_counter, receipt.redemption.id)

    assert error.code == ErrorCode.not_found
    assert balance(card.card.id) == 3800
    voided = redemptions.void_redemption(shop.owner.actor, receipt.redemption.id)  # from the dashboard
    assert (voided.redemption.status, voided.redemption.voided_by_user_id) == ("voided", shop.owner.user.id)
    assert balance(card.card.id) == 5000



def test_void_is_offered_only_for_a_completed_redemption_of_the_networks_day_in_no_payout_batch():
    zone = "America/Toronto"  # UTC-4 in June
    now = datetime(2025, 6, 11, 2, 0, tzinfo=UTC)  # 22:00 on June 10 in Toronto

    def made_at(moment: datetime, **changes) -> Redemption:
        return Redemption(operator_id=1, location_id=1, card_id=1, amount_cents=500, created_at=moment, **changes)

    assert redemptions.can_void(made_at(datetime(2025, 6, 10, 5, 0, tzinfo=UTC)), zone, now)  # 01:00 local
    assert redemptions.can_void(made_at(datetime(2025, 6, 10, 5, 0)), zone, now)  # stored without a zone: UTC
    yesterday_there = made_at(datetime(2025, 6, 10, 3, 30, tzinfo=UTC))  # 23:30 on June 9 in Toronto
    assert not redemptions.can_void(yesterday_there, zone, now)
    assert redemptions.void_refusal(yesterday_there, zone, now).message.startswith("Only today's redemptions")
    assert not redemptions.can_void(made_at(now, status="voided"), zone, now)
    in_batch = made_at(now, payout_batch_id=7)
    assert not redemptions.can_void(in_batch, zone, now)
    assert "payout batch #7" in redemptions.void_refusal(in_batch, zone, now).message
def test_the_ledger_sees_the_redeeming_and_voiding_actor_with_its_role(shop, monkeypatch):
    card = issue(shop.owner, 5000)
    staff = replace(shop.owner.actor, role="staff", channel="api")
    seen: list[Actor] = []

    def watched(move):
        def moving(session, actor, *args, **kwargs):
            seen.append(actor)
            return move(session, actor, *args, **kwargs)
        return moving

    monkeypatch.setattr(redemptions, "debit_and_record_within", watched(redemptions.debit_and_record_within))
    monkeypatch.setattr(redemptions, "credit_within", watched(redemptions.credit_within))
    receipt = redemptions.redeem(staff, location_id=shop.location.id, card_id=card.card.id, amount_cents=1200)
    redemptions.void_redemption(staff, receipt.redemption.id)

    assert seen == [replace(staff, location_id=shop.location.id)] * 2
    assert [actor.role for actor in seen] == ["staff", "staff"]


# --- the email to the location ------------------------------------------------------------


def _emails_to(address: str) -> list[OutboxMessage]:
    with read_session() as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.to_address == address)
                                 .order_by(OutboxMessage.id)).all())


def _redeem_coffee_order(owner, counter, location):
    items.create_item(owner.actor, location.id, name="Latte", price_cents=450, sku="LAT")
    items.create_item(owner.actor, location.id, name="Muffin", price_cents=325)
    card = issue(owner, 5000)
    receipt = redemptions.redeem(counter, location_id=location.id, card_id=card.card.id, items=[
        LineRequest(price_cents=450, quantity=2, sku="LAT"), LineRequest(price_cents=325, name="Muffin")])
    return card, receipt


def test_a_location_that_wants_item_emails_gets_one_listing_what_was_redeemed(make_operator):
    owner = make_operator("Downtown Association")
    cafe = open_location(owner, "Bean There", mode="items", notify_items_email=True)
    counter = activate_counter(owner, cafe)

    card, receipt = _redeem_coffee_order(owner, counter, cafe)

    [message] = _emails_to("bean-there@example.com")
    assert message.kind == "redemption_items"
    email = outbox.read_email(message)
    assert email.subject == "Gift card redemption $12.25 at Bean There"
    text = email.text_body
    assert f"A Downtown Association gift card (•••• {card.code[-4:]}) was redeemed at Bean There " \
           f"from device {device_code(counter)}." in text
    assert f"Redemption #{receipt.redemption.id}" in text
    assert "2 x Latte (LAT) @ $4.50 = $9.00" in text
    assert "1 x Muffin @ $3.25 = $3.25" in text
    assert "Total redeemed: $12.25" in text and "Card balance after: $37.75" in text
    assert "2 × Latte (LAT)" in email.html_body
    assert card.code not in text and card.code not in email.html_body


def test_a_location_without_the_email_setting_gets_no_email(shop):
    card = issue(shop.owner, 5000)
    redemptions.redeem(shop.counter, location_id=shop.location.id, card_id=card.card.id, amount_cents=500)
    assert _emails_to("main-street-books@example.com") == []


def test_the_items_email_arrives_over_smtp(make_operator, monkeypatch):
    owner = make_operator("Downtown Association")
    cafe = open_location(owner, "Bean There", mode="items", notify_items_email=True)
    counter = activate_counter(owner, cafe)
    _redeem_coffee_order(owner, counter, cafe)
    port = free_port()
    use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")

    with SmtpServer(port, Inbox()) as server:
        counts = outbox.deliver_due()

    assert counts.sent == 1
    [received] = server.inbox.messages
    assert received["To"] == "bean-there@example.com"
    assert received["Subject"] == "Gift card redemption $12.25 at Bean There"
    text = received.get_body(("plain",)).get_content()
    assert "2 x Latte (LAT) @ $4.50 = $9.00" in text and "1 x Muffin @ $3.25 = $3.25" in text
    assert "Total redeemed: $12.25" in text
    assert "Latte" in received.get_body(("html",)).get_content()
    assert [message.status for message in _emails_to("bean-there@example.com")] == ["sent"]
