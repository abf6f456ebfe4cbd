"""NACHA prenotes: when a location's US bank details are new or changed, the next NACHA file
carries a zero-dollar entry for them (23 checking, 33 savings) and the first real payment
waits until three banking days after the prenote settles. Canadian accounts are untouched."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from app.api.payouts import payout_answer
from app.db import read_session
from app.models import Prenote
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.network import locations
from app.services.settlement import bank_files, batches, business_days, payables, prenotes
from tests.support.bankfiles import parse_cpa005, parse_nacha
from tests.support.services import refused
from tests.support.settlement import ca_network, redeem_at, us_network


@pytest.fixture
def us(make_operator):
    network = us_network(make_operator)
    prenotes.set_prenotes(network.owner.actor, True)
    return network


def third_banking_day_after(day: date) -> date:
    """Counted here by hand: Monday to Friday, skipping the Federal Reserve's holidays (the
    holiday list from the app's calendar, tested on its own in test_business_days.py)."""
    for _ in range(3):
        day += timedelta(days=1)
        while day.weekday() >= 5 or business_days.closure(day, prenotes.US_CALENDAR):
            day += timedelta(days=1)
    return day


def at_noon_on(day: date, owner) -> datetime:
    return datetime.combine(day, time(12), zoneinfo.ZoneInfo(owner.operator.timezone)).astimezone(zoneinfo.ZoneInfo("UTC"))


def nacha_of(owner, batch_id: int):
    return parse_nacha(bank_files.export_bank_file(owner.actor, batch_id, "nacha").content)


def prenote_rows(operator_id: int) -> list[Prenote]:
    with read_session() as session:
        return list(session.exec(select(Prenote).where(Prenote.operator_id == operator_id).order_by(Prenote.id)))


def test_new_us_bank_details_get_a_prenote_and_their_first_payment_waits_three_banking_days(us, monkeypatch):
    redeem_at(us.owner, us.checking, 2_500)
    redeem_at(us.owner, us.savings, 4_000)
    assert prenotes.prenotes_due(us.owner.operator.id) == ["Books on Main", "Corner Cafe"]

    first = batches.create_payout(us.owner.actor, through=utcnow())
    assert prenotes.prenotes_due(us.owner.operator.id) == []

    settles = first.batch.effective_date
    payable_from = third_banking_day_after(settles)
    assert first.lines == [] and first.batch.total_net_cents == 0  # nothing paid yet: a batch of prenotes
    held = {skipped.location_id: skipped for skipped in first.skipped}
    assert set(held) == {us.checking.id, us.savings.id}
    assert held[us.checking.id].payable_from == payable_from
    assert held[us.checking.id].gross_cents == 2_500
    assert held[us.checking.id].reason == (f"Prenote sent in batch #{first.batch.id} (settles {settles.isoformat()}); "
                                           f"payable from {payable_from.isoformat()}")
    answered = payout_answer(first).skipped  # what POST /payouts answers
    assert {skipped.payable_from for skipped in answered} == {payable_from.isoformat()}
    # The file, read by the independent reader: one zero-dollar prenote per account, right code and account.
    [nacha_batch] = nacha_of(us.owner, first.batch.id).batches
    assert [(entry.transaction_code, entry.routing_number, entry.account_number, entry.amount_cents,
             entry.identification_number, entry.receiver_name) for entry in nacha_batch.entries] == [
        ("23", "011401533", "123456789", 0, f"LOC{us.checking.id}", "BOOKS ON MAIN"),
        ("33", "121000358", "00099887766", 0, f"LOC{us.savings.id}", "CORNER CAFE"),
    ]
    assert nacha_batch.effective_date == settles
    assert [view.location_name for view in prenotes.batch_prenotes(us.owner.operator.id, first.batch.id)] == [
        "Books on Main", "Corner Cafe"]

    # Before the wait is over: nothing can be paid, and the refusal says why and until when.
    error = refused(batches.create_payout, us.owner.actor, through=utcnow())
    assert error.code == ErrorCode.conflict and f"payable from {payable_from.isoformat()}" in error.message
    preview = payables.payables(us.owner.operator.id, through=utcnow())
    assert preview.lines == [] and {skipped.payable_from for skipped in preview.skipped} == {payable_from}

    # The day before: still held. On the third banking day after settlement: paid, with no new prenote.
    monkeypatch.setattr(batches, "utcnow", lambda: at_noon_on(payable_from - timedelta(days=1), us.owner))
    assert refused(batches.create_payout, us.owner.actor, through=utcnow()).code == ErrorCode.conflict
    monkeypatch.setattr(batches, "utcnow", lambda: at_noon_on(payable_from, us.owner))
    paid = batches.create_payout(us.owner.actor, through=utcnow())
    assert [(line.location_name, line.net_cents) for line in paid.lines] == [("Books on Main", 2_500),
                                                                           ("Corner Cafe", 4_000)]
    assert [skipped.location_name for skipped in paid.skipped] == []
    assert [entry.transaction_code for entry in nacha_of(us.owner, paid.batch.id).entries] == ["22", "32"]
    assert len(prenote_rows(us.owner.operator.id)) == 2


def test_changed_bank_details_get_a_new_prenote_and_wait_again(us, monkeypatch):
    redeem_at(us.owner, us.checking, 1_000)
    first = batches.create_payout(us.owner.actor, through=utcnow())
    monkeypatch.setattr(batches, "utcnow", lambda: at_noon_on(third_banking_day_after(first.batch.effective_date),
                                                              us.owner))
    assert [line.location_id for line in batches.create_payout(us.owner.actor, through=utcnow()).lines] == [
        us.checking.id]

    locations.update_location(us.owner.actor, us.checking.id, {"bank_country": "US", "routing_number": "011401533",
                                                               "account_number": "987654321",
                                                               "account_type": "checking"})
    redeem_at(us.owner, us.checking, 700)
    again = batches.create_payout(us.owner.actor, through=utcnow())

    assert again.lines == [] and [skipped.location_id for skipped in again.skipped] == [us.checking.id]
    assert [(entry.transaction_code, entry.account_number, entry.amount_cents)
            for entry in nacha_of(us.owner, again.batch.id).entries] == [("23", "987654321", 0)]
    assert [row.account_last4 for row in prenote_rows(us.owner.operator.id)] == ["6789", "7766", "4321"]


def test_details_already_paid_by_a_nacha_file_need_no_prenote_when_prenotes_are_turned_on(make_operator):
    network = us_network(make_operator)  # prenotes off (the default): paid at once, as before
    redeem_at(network.owner, network.checking, 1_000)
    before = batches.create_payout(network.owner.actor, through=utcnow())
    assert [entry.transaction_code for entry in nacha_of(network.owner, before.batch.id).entries] == ["22"]

    prenotes.set_prenotes(network.owner.actor, True)
    redeem_at(network.owner, network.checking, 500)
    redeem_at(network.owner, network.savings, 800)  # never paid: its details are new to the bank
    after = batches.create_payout(network.owner.actor, through=utcnow())

    assert [line.location_id for line in after.lines] == [network.checking.id]
    assert [skipped.location_id for skipped in after.skipped if skipped.payable_from] == [network.savings.id]
    assert [(entry.transaction_code, entry.identification_number)
            for entry in nacha_of(network.owner, after.batch.id).entries] == [
        ("22", f"LOC{network.checking.id}"), ("33", f"LOC{network.savings.id}")]


def test_a_cancelled_batch_s_prenote_was_never_sent_so_the_next_batch_sends_it(us):
    redeem_at(us.owner, us.checking, 1_000)
    first = batches.create_payout(us.owner.actor, through=utcnow())
    batches.cancel_payout(us.owner.actor, first.batch.id)

    second = batches.create_payout(us.owner.actor, through=utcnow())

    assert [view.location_id for view in prenotes.batch_prenotes(us.owner.operator.id, first.batch.id)] == [
        us.checking.id, us.savings.id]
    assert [view.location_id for view in prenotes.batch_prenotes(us.owner.operator.id, second.batch.id)] == [
        us.checking.id, us.savings.id]
    assert {entry.transaction_code for entry in nacha_of(us.owner, second.batch.id).entries} == {"23", "33"}


def test_canadian_accounts_never_get_prenotes_and_are_paid_at_once(make_operator):
    ca = ca_network(make_operator)
    prenotes.set_prenotes(ca.owner.actor, True)
    redeem_at(ca.owner, ca.checking, 1_500)

    payout = batches.create_payout(ca.owner.actor, through=utcnow())

    assert [(line.location_id, line.net_cents) for line in payout.lines] == [(ca.checking.id, 1_500)]
    assert prenote_rows(ca.owner.operator.id) == []
    assert [payment.amount_cents for payment in parse_cpa005(
        bank_files.export_bank_file(ca.owner.actor, payout.batch.id, "cpa005").content).payments] == [1_500]


def test_prenotes_are_off_unless_the_owner_turns_them_on(make_operator):
    network = us_network(make_operator)
    redeem_at(network.owner, network.checking, 1_000)
    assert not prenotes.prenotes_enabled(network.owner.operator.id)
    assert prenotes.prenotes_due(network.owner.operator.id) == []
    assert [line.location_id for line in batches.create_payout(network.owner.actor, through=utcnow()).lines] == [
        network.checking.id]
    assert prenote_rows(network.owner.operator.id) == []


def test_the_preview_shows_new_details_waiting_for_the_prenote_the_next_batch_sends(us):
    redeem_at(us.owner, us.savings, 1_200)
    preview = payables.payables(us.owner.operator.id, through=utcnow())
    [skipped] = preview.skipped
    expected = third_banking_day_after(payables.choose_effective_date(us.owner.operator, None, utcnow(),
                                                                      prenotes.US_CALENDAR))
    assert (skipped.location_id, skipped.payable_from) == (us.savings.id, expected)
    assert skipped.reason.startswith("New US bank details: a prenote goes out with the next batch")
