"""The Reports screen's rules: redemption counts net of voids like their amounts, every CSV
column named, spreadsheet formulas neutralised, and a card's history found by what a
person knows (its code, its last 4, its recipient's email)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.models.base import utcnow
from app.services.core import codes
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.spreadsheet import text_cell
from app.services.counter import redemptions
from app.services.money import ledger
from app.services.reporting import history_search, reports
from tests.support.counter import activate_counter, open_location


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _period():
    now = utcnow()
    return now - timedelta(days=1), now + timedelta(days=1)


def test_a_voided_redemption_is_not_counted_as_its_amount_is_not(make_operator):
    owner = make_operator()
    books = open_location(owner, "Main Street Books")
    counter = activate_counter(owner, books)
    card = ledger.issue_card(owner.actor, 10_000)
    kept = redemptions.redeem(counter, location_id=books.id, card_id=card.card.id, amount_cents=1_500)
    voided = redemptions.redeem(counter, location_id=books.id, card_id=card.card.id, amount_cents=2_000)
    redemptions.void_redemption(counter, voided.redemption.id)
    assert kept.redemption.status == "completed"

    [row] = reports.redemptions_by_location(owner.operator.id, *_period())
    assert (row.key, row.redemptions, row.redeemed_cents) == ("Main Street Books", 1, 1_500)
    [device_row] = reports.redemptions_by_device(owner.operator.id, *_period())
    assert (device_row.location, device_row.redemptions, device_row.redeemed_cents) == ("Main Street Books", 1, 1_500)
    summary = reports.summary(owner.operator.id)
    assert (summary.redemption_count, summary.redeemed_cents) == (1, 1_500)
    assert [(f.location_id, f.redemption_count, f.redeemed_cents) for f in summary.by_location] == [(books.id, 1, 1_500)]


def test_the_by_location_csv_names_the_location_once_and_every_column_has_a_name(make_operator):
    owner = make_operator()
    books = open_location(owner, "Main Street Books")
    counter = activate_counter(owner, books)
    card = ledger.issue_card(owner.actor, 10_000)
    redemptions.redeem(counter, location_id=books.id, card_id=card.card.id, amount_cents=1_500)

    by_location = _rows(reports.redeemed_csv(reports.redemptions_by_location(owner.operator.id, *_period()), "location"))
    assert by_location == [["location", "redemptions_net_of_voids", "redeemed_net_of_voids"],
                           ["Main Street Books", "1", "15.00"], ["total", "1", "15.00"]]
    by_device = _rows(reports.redeemed_csv(reports.redemptions_by_device(owner.operator.id, *_period()), "device"))
    assert by_device[0] == ["device", "location", "redemptions_net_of_voids", "redeemed_net_of_voids"]
    assert all(header for header in by_location[0] + by_device[0])


def test_a_location_named_like_a_formula_is_text_in_the_report_csv(make_operator):
    owner = make_operator()
    shady = open_location(owner, "=HYPERLINK(\"http://evil.example\")")
    counter = activate_counter(owner, shady)
    card = ledger.issue_card(owner.actor, 10_000)
    redemptions.redeem(counter, location_id=shady.id, card_id=card.card.id, amount_cents=500)

    rows = _rows(reports.redeemed_csv(reports.redemptions_by_location(owner.operator.id, *_period()), "location"))
    assert rows[1][0] == "'=HYPERLINK(\"http://evil.example\")"
    devices = _rows(reports.redeemed_csv(reports.redemptions_by_device(owner.operator.id, *_period()), "device"))
    assert devices[1][1].startswith("'=")
    assert rows[-1] == ["total", "1", "5.00"]  # amounts the app writes stay numbers


@pytest.mark.parametrize("typed", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_cells_that_start_like_a_formula_get_a_leading_quote(typed):
    assert text_cell(typed) == "'" + typed
    assert text_cell("Café du Coin") == "Café du Coin"
    assert text_cell(None) == ""


# --- a card's history, found by what a person knows ---------------------------------------------


def test_a_card_is_found_by_its_code_its_last_4_or_its_recipients_email(make_operator):
    owner = make_operator()
    card = ledger.issue_card(owner.actor, 2_500, recipient_email="alex@example.com", recipient_name="Alex")
    ledger.issue_card(owner.actor, 1_000, recipient_email="sam@example.com")

    for typed in (codes.format_code(card.code), card.code.lower(), card.code[-4:].lower(), "ALEX@example.com",
                  "•••• " + card.code[-4:]):
        [found] = history_search.find_cards(owner.actor, typed)
        assert (found.card_id, found.recipient_email, found.balance_cents) == (card.card.id, "alex@example.com", 2_500)
    page = reports.card_history(owner.operator.id, card.card.id)
    assert [entry.kind for entry in page.rows] == ["issue"]


def test_several_cards_for_one_email_are_all_listed_newest_first_to_pick_one(make_operator):
    owner = make_operator()
    first = ledger.issue_card(owner.actor, 2_500, recipient_email="jo@example.com")
    second = ledger.issue_card(owner.actor, 5_000, recipient_email="jo@example.com")

    found = history_search.find_cards(owner.actor, "jo@example.com")

    assert [match.card_id for match in found] == [second.card.id, first.card.id]


def test_no_match_says_what_was_searched_and_another_networks_card_is_not_found(make_operator):
    owner, other = make_operator(), make_operator()
    theirs = ledger.issue_card(other.actor, 2_500, recipient_email="alex@example.com")

    with pytest.raises(GiftnetError) as by_email:
        history_search.find_cards(owner.actor, "alex@example.com")
    assert (by_email.value.code, by_email.value.message) == (
        ErrorCode.card_not_found, "No card of this network has the recipient email “alex@example.com”.")
    with pytest.raises(GiftnetError) as by_code:
        history_search.find_cards(owner.actor, theirs.code)
    assert (by_code.value.code, by_code.value.message) == (ErrorCode.card_not_found, "No card matches this code.")
    with pytest.raises(GiftnetError) as by_last4:
        history_search.find_cards(owner.actor, theirs.code[-4:])
    assert by_last4.value.message == f"No card of this network has a code ending in {theirs.code[-4:]}."


@pytest.mark.parametrize("typed", ["", "   ", "12", "an internal number 42"])
def test_text_that_is_no_code_last_4_or_email_says_what_to_type(make_operator, typed):
    owner = make_operator()
    with pytest.raises(GiftnetError) as refused:
        history_search.find_cards(owner.actor, typed)
    assert (refused.value.code, refused.value.message) == (ErrorCode.invalid_input, history_search.HOW_TO_SEARCH)
