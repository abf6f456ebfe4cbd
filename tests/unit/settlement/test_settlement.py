"""Paying the locations: what each is owed, payout batches, their bank files and the
status of a batch. Every test runs on SQLite and on PostgreSQL (`make_operator`
needs the `database` fixture)."""

from __future__ import annotations

import hashlib
import zoneinfo
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.db import read_session, write_session
from app.models import BankFile, Location, Operator, Redemption, WebhookDelivery
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.counter import redemptions
from app.services.messaging import webhooks
from app.services.settlement import bank_files, batches, business_days, payables, payout_settings
from tests.support.bankfiles import parse_cpa005, parse_nacha
from tests.support.services import at_once, refused
from tests.support.settlement import (
    CA_CPA005_SETTINGS,
    US_NACHA_SETTINGS,
    batch_of,
    ca_network,
    open_location,
    redeem_at,
    redemption_rows,
    us_network,
)


@pytest.fixture
def us(make_operator):
    return us_network(make_operator)


@pytest.fixture
def ca(make_operator):
    return ca_network(make_operator)


def backdate(redemption_ids: list[int], days: int) -> None:
    with write_session() as session:
        session.execute(update(Redemption).where(Redemption.id.in_(redemption_ids))
                        .values(created_at=utcnow() - timedelta(days=days)))


# --- the stories the issue asks for ---------------------------------------------------


def test_a_nacha_file_pays_the_checking_and_savings_locations_and_the_one_without_bank_details_waits(us):
    redeem_at(us.owner, us.checking, 2_500, 1_000)
    redeem_at(us.owner, us.savings, 4_000)
    waiting = redeem_at(us.owner, us.unbanked, 700)

    payout = batches.create_payout(us.owner.actor, through=utcnow())
    bank_file = bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha")
    parsed = parse_nacha(bank_file.content)  # record lengths, counts, entry hash, totals, blocking

    assert [(line.location_name, line.gross_cents, line.net_cents) for line in payout.lines] == [
        ("Books on Main", 3_500, 3_500), ("Corner Cafe", 4_000, 4_000)]
    assert [(skipped.location_name, skipped.gross_cents, skipped.reason) for skipped in payout.skipped] == [
        ("Flower Stand", 700, "No bank details")]
    assert batch_of(waiting[0].id) is None
    [batch] = parsed.batches
    assert [(entry.transaction_code, entry.routing_number, entry.account_number, entry.amount_cents,
             entry.receiver_name, entry.identification_number) for entry in batch.entries] == [
        ("22", "011401533", "123456789", 3_500, "BOOKS ON MAIN", f"LOC{us.checking.id}"),
        ("32", "121000358", "00099887766", 4_000, "CORNER CAFE", f"LOC{us.savings.id}"),
    ]
    assert int(batch.control["entry_addenda_count"]) == int(parsed.control["entry_addenda_count"]) == 2
    assert int(batch.control["entry_hash"]) == int(parsed.control["entry_hash"]) == 1140153 + 12100035
    assert int(parsed.control["total_credit"]) == payout.batch.total_net_cents == 7_500
    assert int(parsed.control["total_debit"]) == 0
    assert (parsed.record_count, parsed.padding_count, int(parsed.control["block_count"])) == (10, 4, 1)
    assert all(len(record) == 94 for record in bank_file.content.splitlines())
    assert parsed.header["immediate_destination"] == " " + US_NACHA_SETTINGS["immediate_destination"]
    assert parsed.header["immediate_origin"] == US_NACHA_SETTINGS["immediate_origin"]
    assert batch.header["company_name"].rstrip() == "DOWNTOWN ASSOC"
    assert batch.header["company_identification"] == US_NACHA_SETTINGS["company_id"]
    assert batch.header["originating_dfi"] == US_NACHA_SETTINGS["odfi_routing"][:8]
    assert batch.effective_date == payout.batch.effective_date
    created_local = bank_file.created_at.astimezone(zoneinfo.ZoneInfo(us.owner.operator.timezone))
    assert parsed.header["file_creation_date"] + parsed.header["file_creation_time"] == f"{created_local:%y%m%d%H%M}"
    assert bank_file.sha256 == hashlib.sha256(bank_file.content.encode()).hexdigest()
    assert bank_file.filename.endswith(".ach")
    assert batches.get_payout(us.owner.operator.id, payout.batch.id).batch.status == "exported"


def test_a_cpa005_file_pays_the_canadian_locations_and_the_one_without_bank_details_waits(ca):
    redeem_at(ca.owner, ca.checking, 2_500, 1_000)
    redeem_at(ca.owner, ca.savings, 4_000)
    redeem_at(ca.owner, ca.unbanked, 700)

    payout = batches.create_payout(ca.owner.actor, through=utcnow())
    bank_file = bank_files.export_bank_file(ca.owner.actor, payout.batch.id, "cpa005")
    parsed = parse_cpa005(bank_file.content)  # record lengths, record counts, totals and counts

    assert [skipped.location_name for skipped in payout.skipped] == ["Fleuriste"]
    assert [(payment.institution_number, payment.transit_number, payment.account_number, payment.amount_cents,
             payment.payee_name, payment.cross_reference, payment.due_date) for payment in parsed.payments] == [
        ("004", "12345", "987654321012", 4_000, "CAFE ROUGE", f"B{payout.batch.id}L{ca.savings.id}",
         payout.batch.effective_date),
        ("001", "00011", "1234567", 3_500, "LIBRAIRIE DU CENTRE", f"B{payout.batch.id}L{ca.checking.id}",
         payout.batch.effective_date),
    ]
    assert (parsed.record_count, parsed.detail_record_count) == (3, 1)
    assert all(len(record) == 1464 for record in bank_file.content.split("\r\n")[:-1])
    assert int(parsed.trailer["total_credit_count"]) == 2
    assert int(parsed.trailer["total_credit_value"]) == payout.batch.total_net_cents == 7_500
    assert parsed.header["originator_id"] == CA_CPA005_SETTINGS["originator_id"]
    assert parsed.header["destination_data_centre"] == CA_CPA005_SETTINGS["data_centre"]
    assert parsed.file_creation_number == bank_file.file_creation_number == 1
    assert parsed.creation_date == bank_file.created_at.astimezone(
        zoneinfo.ZoneInfo(ca.owner.operator.timezone)).date()
    first = parsed.payments[0]
    assert (first.return_institution_number, first.return_transit_number, first.return_account_number) == \
        ("003", "00012", "7654321")
    assert (first.originator_short_name, first.originator_long_name) == ("CENTRE-VILLE", "ASSOCIATION DU CENTRE-VILLE")


# --- payables -----------------------------------------------------------------------


def test_commission_comes_from_the_location_else_the_network_and_rounds_half_up_per_location(us):
    payout_settings.update_settings(us.owner.actor, {"commission_bps": 250})
    override = open_location(us.owner, "Half Cent Hardware", bank_country="US", routing_number="091000019",
                             account_number="4444555566", commission_bps=5)
    redeem_at(us.owner, us.checking, 1_000, 1_001)  # 2,001 at 2.5 % = 50.025 -> 50
    redeem_at(us.owner, us.savings, 1_010)  # 1,010 at 2.5 % = 25.25 -> 25
    redeem_at(us.owner, override, 1_000)  # 1,000 at 0.05 % = 0.5 -> 1 (half up)

    preview = payables.payables(us.owner.operator.id, through=utcnow())

    assert [(line.location_name, line.gross_cents, line.commission_bps, line.commission_cents, line.net_cents)
            for line in preview.lines] == [
        ("Books on Main", 2_001, 250, 50, 1_951),
        ("Corner Cafe", 1_010, 250, 25, 985),
        ("Half Cent Hardware", 1_000, 5, 1, 999),
    ]
    assert (preview.total_gross_cents, preview.total_commission_cents, preview.total_net_cents) == (4_011, 76, 3_935)
    assert payables.commission_cents(3, 5_000) == 2  # 1.5 -> 2
    assert payables.commission_cents(1, 4_999) == 0  # 0.4999 -> 0


def test_voided_redemptions_are_not_owed(us):
    kept, voided = redeem_at(us.owner, us.checking, 1_500, 2_000)
    redemptions.void_redemption(us.owner.actor, voided.id)

    preview = payables.payables(us.owner.operator.id, through=utcnow())

    assert [(line.redemption_count, line.gross_cents) for line in preview.lines] == [(1, 1_500)]
    assert kept.id != voided.id


def test_a_period_pays_only_what_was_redeemed_in_it_and_a_date_means_the_whole_day(us):
    old = redeem_at(us.owner, us.checking, 1_000)
    older = redeem_at(us.owner, us.savings, 2_000)
    recent = redeem_at(us.owner, us.checking, 3_000)
    backdate([old[0].id], days=3)
    backdate([older[0].id], days=10)
    zone = zoneinfo.ZoneInfo(us.owner.operator.timezone)
    two_days_ago = (utcnow() - timedelta(days=2)).astimezone(zone).date()

    through_date = payables.payables(us.owner.operator.id, through=two_days_ago.isoformat())
    window = payables.payables(us.owner.operator.id, through=utcnow(), from_=utcnow() - timedelta(days=5))

    assert [line.gross_cents for line in through_date.lines] == [1_000, 2_000]
    assert [line.gross_cents for line in window.lines] == [4_000]
    payout = batches.create_payout(us.owner.actor, through=two_days_ago)
    assert (batch_of(old[0].id), batch_of(older[0].id), batch_of(recent[0].id)) == \
        (payout.batch.id, payout.batch.id, None)


def test_a_through_in_the_future_means_now_and_dates_are_checked(us):
    redeem_at(us.owner, us.checking, 1_000)

    payout = batches.create_payout(us.owner.actor, through=utcnow() + timedelta(days=30))

    assert payout.batch.period_through <= utcnow()
    assert refused(payables.payables, us.owner.operator.id, through="next tuesday").field == "through"
    assert refused(payables.payables, us.owner.operator.id, through=utcnow(),
                   from_=utcnow() + timedelta(hours=1)).field == "from"
    assert refused(batches.create_payout, us.owner.actor, through=utcnow(),
                   effective_date="2001-01-01").field == "effective_date"
    assert refused(batches.create_payout, us.owner.actor, through=utcnow(),
                   effective_date="2062-01-01").message == "effective_date must be within 60 days."
    assert refused(payables.payables, us.owner.operator.id, through="9999-12-31").field == "through"


def test_the_effective_date_is_the_next_business_day_unless_given(us):
    redeem_at(us.owner, us.checking, 1_000, 2_000)
    zone = zoneinfo.ZoneInfo(us.owner.operator.timezone)
    today = utcnow().astimezone(zone).date()

    first = batches.create_payout(us.owner.actor, through=utcnow())

    assert first.batch.effective_date > today
    assert first.batch.effective_date.weekday() < 5
    assert (first.batch.effective_date - today).days <= 3
    batches.cancel_payout(us.owner.actor, first.batch.id)
    chosen = business_days.business_day_on_or_after(today + timedelta(days=9), business_days.FEDERAL_RESERVE)
    assert batches.create_payout(us.owner.actor, through=utcnow(),
                                    effective_date=chosen.isoformat()).batch.effective_date == chosen


def test_nothing_to_pay_is_refused_and_says_which_locations_lack_bank_details(us):
    redeem_at(us.owner, us.unbanked, 700)

    error = refused(batches.create_payout, us.owner.actor, through=utcnow())

    assert error.code == ErrorCode.conflict
    assert "Flower Stand (No bank details)" in error.message
    assert batches.list_payouts(us.owner.operator.id).batches == []


def test_an_unreadable_account_number_is_skipped_with_its_reason(us):
    redeem_at(us.owner, us.checking, 1_000)
    redeem_at(us.owner, us.savings, 2_000)
    with write_session() as session:
        session.execute(update(Location).where(Location.id == us.savings.id)
                        .values(account_number_encrypted="not-a-fernet-token"))

    payout = batches.create_payout(us.owner.actor, through=utcnow())

    assert [line.location_name for line in payout.lines] == ["Books on Main"]
    assert [(skipped.location_name, skipped.reason) for skipped in payout.skipped] == [
        ("Corner Cafe", "The account number cannot be read (the secret key changed); enter the bank details again")]


# --- batches --------------------------------------------------------------------------


def test_a_batch_claims_each_redemption_once_and_records_its_lines_and_totals(us, published):
    first = redeem_at(us.owner, us.checking, 1_000, 2_000) + redeem_at(us.owner, us.savings, 3_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    later = redeem_at(us.owner, us.savings, 4_000)

    again = batches.create_payout(us.owner.actor, through=utcnow())

    assert {batch_of(redemption.id) for redemption in first} == {payout.batch.id}
    assert batch_of(later[0].id) == again.batch.id
    assert [(line.location_name, line.redemption_count, line.gross_cents) for line in again.lines] == [
        ("Corner Cafe", 1, 4_000)]
    batch = payout.batch
    assert (batch.status, batch.total_gross_cents, batch.total_net_cents, batch.redemption_count) == \
        ("draft", 6_000, 6_000, 3)
    assert batch.created_by_user_id == us.owner.user.id
    assert [line.bank_summary for line in payout.lines] == [
        "US checking •••• 6789 (routing 011401533)", "US savings •••• 7766 (routing 121000358)"]
    assert [event.type for event in published if event.type.startswith("payout.")] == ["payout.created"] * 2
    as_dict = payout.as_dict()
    assert (as_dict["status"], as_dict["total_net_cents"], len(as_dict["lines"]), as_dict["skipped"]) == \
        ("draft", 6_000, 2, [])


def test_a_payout_webhook_is_owed_to_endpoints_subscribed_to_it(us):
    webhooks.create_endpoint(us.owner.actor, "https://shop.example.com/hooks", ["payout.created", "payout.paid"])
    redeem_at(us.owner, us.checking, 1_000)

    payout = batches.create_payout(us.owner.actor, through=utcnow())
    batches.mark_paid(us.owner.actor, payout.batch.id)

    with read_session() as session:
        from sqlmodel import select

        owed = session.exec(select(WebhookDelivery.event_type).where(
            WebhookDelivery.operator_id == us.owner.operator.id).order_by(WebhookDelivery.id)).all()
    assert owed == ["payout.created", "payout.paid"]


def test_two_batches_created_at_once_never_pay_a_redemption_twice(us):
    made = redeem_at(us.owner, us.checking, 1_000, 1_100, 1_200) + redeem_at(us.owner, us.savings, 1_300, 1_400)

    outcomes = at_once(2, lambda _index: batches.create_payout(us.owner.actor, through=utcnow()))

    created = [outcome for outcome in outcomes if isinstance(outcome, batches.PayoutDetail)]
    assert created  # at least one batch won
    assert all(outcome.code == ErrorCode.conflict for outcome in outcomes if outcome not in created)
    assert sum(payout.batch.total_gross_cents for payout in created) == sum(item.amount_cents for item in made)
    claimed = [batch_of(redemption.id) for redemption in made]
    assert set(claimed) <= {payout.batch.id for payout in created}
    assert None not in claimed


def test_a_void_racing_a_batch_either_voids_or_is_paid_never_both(us):
    for _round in range(3):
        [made] = redeem_at(us.owner, us.checking, 1_500)

        outcomes = at_once(2, lambda index: (batches.create_payout(us.owner.actor, through=utcnow()) if index == 0
                                             else redemptions.void_redemption(us.owner.actor, made.id)))  # noqa: B023 - at_once calls it in this round

        with read_session() as session:
            row = session.get(Redemption, made.id)
        assert (row.status == "voided") != (row.payout_batch_id is not None)
        payout = outcomes[0]
        if isinstance(payout, batches.PayoutDetail):
            batches.cancel_payout(us.owner.actor, payout.batch.id)
            if row.status == "completed":  # the batch won: the void was refused
                assert outcomes[1].code == ErrorCode.conflict
                redemptions.void_redemption(us.owner.actor, made.id)


def test_a_redemption_in_a_batch_cannot_be_voided_until_the_batch_is_cancelled(us):
    [made] = redeem_at(us.owner, us.checking, 1_500)
    payout = batches.create_payout(us.owner.actor, through=utcnow())

    error = refused(redemptions.void_redemption, us.owner.actor, made.id)

    assert error.code == ErrorCode.conflict
    assert f"payout batch #{payout.batch.id}" in error.message
    batches.cancel_payout(us.owner.actor, payout.batch.id)
    assert redemptions.void_redemption(us.owner.actor, made.id).redemption.status == "voided"


def test_a_batch_may_include_locations_without_bank_details_for_operators_who_pay_by_hand(us):
    redeem_at(us.owner, us.checking, 1_000)
    redeem_at(us.owner, us.unbanked, 700)

    payout = batches.create_payout(us.owner.actor, through=utcnow(), include_locations_without_bank_details=True)

    assert [(line.location_name, line.bank_summary) for line in payout.lines] == [
        ("Books on Main", "US checking •••• 6789 (routing 011401533)"), ("Flower Stand", "No bank details")]
    assert payout.skipped == []
    error = refused(bank_files.export_bank_file, us.owner.actor, payout.batch.id, "nacha")
    assert "Flower Stand has no bank details" in error.message
    assert batches.mark_paid(us.owner.actor, payout.batch.id).batch.status == "paid"


def test_a_batch_above_32_bit_cents_is_recorded_in_full(us):
    payout_settings.update_settings(us.owner.actor, {"card_max_cents": 100_000_000})
    redeem_at(us.owner, us.checking, *[100_000_000] * 21)
    redeem_at(us.owner, us.savings, 50_000_000)

    payout = batches.create_payout(us.owner.actor, through=utcnow())

    assert payout.batch.total_gross_cents == 2_150_000_000 > 2**31
    assert sorted(line.gross_cents for line in payout.lines) == [50_000_000, 2_100_000_000]


def test_a_line_larger_than_a_bank_file_entry_is_refused_and_an_earlier_date_splits_it(us):
    payout_settings.update_settings(us.owner.actor, {"card_max_cents": 100_000_000})
    older = redeem_at(us.owner, us.checking, *[100_000_000] * 60)
    newer = redeem_at(us.owner, us.checking, *[100_000_000] * 50) + redeem_at(us.owner, us.savings, 50_000_000)
    backdate([redemption.id for redemption in older], days=2)

    error = refused(batches.create_payout, us.owner.actor, through=utcnow())

    assert error.code == ErrorCode.conflict
    assert "Books on Main would be paid more than $99,999,999.99 in this batch" in error.message
    assert {batch_of(redemption.id) for redemption in older + newer} == {None}
    first = batches.create_payout(us.owner.actor, through=utcnow() - timedelta(days=1))
    second = batches.create_payout(us.owner.actor, through=utcnow())
    assert (first.batch.total_gross_cents, second.batch.total_gross_cents) == (6_000_000_000, 5_050_000_000)


# --- the status of a batch ---------------------------------------------------------------


def test_a_batch_paid_by_hand_goes_straight_from_draft_to_paid_and_then_stays_paid(us, published):
    redeem_at(us.owner, us.checking, 1_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())

    paid = batches.mark_paid(us.owner.actor, payout.batch.id)

    assert (paid.batch.status, paid.batch.paid_at is not None) == ("paid", True)
    assert "payout.paid" in [event.type for event in published]
    assert refused(batches.mark_paid, us.owner.actor, payout.batch.id).message == "This payout batch is already paid."
    assert refused(batches.cancel_payout, us.owner.actor, payout.batch.id).code == ErrorCode.conflict
    assert "already paid" in refused(bank_files.export_bank_file, us.owner.actor, payout.batch.id, "nacha").message


def test_an_exported_batch_is_paid_and_keeps_its_file(us):
    redeem_at(us.owner, us.checking, 1_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    bank_file = bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha")

    batches.mark_paid(us.owner.actor, payout.batch.id)

    assert bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha").content == bank_file.content
    detail = batches.get_payout(us.owner.operator.id, payout.batch.id)
    assert (detail.batch.status, [item.filename for item in detail.files]) == ("paid", [bank_file.filename])


def test_cancelling_a_batch_returns_its_redemptions_to_payables(us):
    made = redeem_at(us.owner, us.checking, 1_000, 2_000) + redeem_at(us.owner, us.savings, 3_000)
    before = payables.payables(us.owner.operator.id, through=utcnow())
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha")
    assert payables.payables(us.owner.operator.id, through=utcnow()).lines == []

    cancelled = batches.cancel_payout(us.owner.actor, payout.batch.id)

    assert cancelled.batch.status == "cancelled"
    assert {batch_of(redemption.id) for redemption in made} == {None}
    assert payables.payables(us.owner.operator.id, through=utcnow()).lines == before.lines
    assert refused(batches.cancel_payout, us.owner.actor, payout.batch.id).message == \
        "This payout batch is already cancelled."
    assert refused(batches.mark_paid, us.owner.actor, payout.batch.id).code == ErrorCode.conflict
    assert "must not be sent" in refused(bank_files.export_bank_file, us.owner.actor, payout.batch.id, "nacha").message
    assert batches.create_payout(us.owner.actor, through=utcnow()).batch.total_gross_cents == 6_000


def test_batches_are_listed_newest_first_and_by_status(us):
    redeem_at(us.owner, us.checking, 1_000)
    first = batches.create_payout(us.owner.actor, through=utcnow())
    batches.cancel_payout(us.owner.actor, first.batch.id)
    second = batches.create_payout(us.owner.actor, through=utcnow())

    page = batches.list_payouts(us.owner.operator.id, limit=1)

    assert [batch.id for batch in page.batches] == [second.batch.id]
    assert [batch.id for batch in batches.list_payouts(us.owner.operator.id, cursor=page.next_cursor).batches] == \
        [first.batch.id]
    assert [batch.id for batch in batches.list_payouts(us.owner.operator.id, status="cancelled").batches] == \
        [first.batch.id]
    assert refused(batches.list_payouts, us.owner.operator.id, status="lost").field == "status"


# --- bank files ---------------------------------------------------------------------------


def test_downloading_again_gives_the_same_bytes_and_takes_no_new_number(ca):
    redeem_at(ca.owner, ca.checking, 1_000)
    payout = batches.create_payout(ca.owner.actor, through=utcnow())

    first = bank_files.export_bank_file(ca.owner.actor, payout.batch.id, "cpa005")
    again = bank_files.export_bank_file(ca.owner.actor, payout.batch.id, "cpa005")

    assert (again.id, again.content, again.sha256, again.file_creation_number, again.created_at) == \
        (first.id, first.content, first.sha256, first.file_creation_number, first.created_at)
    assert bank_files.bank_file_bytes(again) == first.content.encode("ascii")
    with read_session() as session:
        assert session.get(Operator, ca.owner.operator.id).last_cpa005_file_number == 1


def test_file_creation_numbers_increase_per_operator_and_never_repeat(ca, make_operator):
    other = ca_network(make_operator, "Old Town")
    numbers = []
    for _batch in range(3):
        redeem_at(ca.owner, ca.checking, 1_000)
        payout = batches.create_payout(ca.owner.actor, through=utcnow())
        numbers.append(bank_files.export_bank_file(ca.owner.actor, payout.batch.id, "cpa005").file_creation_number)
        if _batch == 1:  # a cancelled batch's number is never given again
            batches.cancel_payout(ca.owner.actor, payout.batch.id)
            redemptions_left = batches.create_payout(ca.owner.actor, through=utcnow())
            numbers.append(bank_files.export_bank_file(ca.owner.actor, redemptions_left.batch.id,
                                                       "cpa005").file_creation_number)
    redeem_at(other.owner, other.checking, 1_000)
    other_payout = batches.create_payout(other.owner.actor, through=utcnow())

    assert numbers == [1, 2, 3, 4]
    assert bank_files.export_bank_file(other.owner.actor, other_payout.batch.id, "cpa005").file_creation_number == 1


def test_concurrent_downloads_share_one_file_and_concurrent_batches_get_distinct_numbers(ca):
    payouts = []
    for amount in (1_000, 2_000, 3_000):
        redeem_at(ca.owner, ca.checking, amount)
        payouts.append(batches.create_payout(ca.owner.actor, through=utcnow()))

    same_batch = at_once(3, lambda _index: bank_files.export_bank_file(ca.owner.actor, payouts[0].batch.id, "cpa005"))
    other_batches = at_once(2, lambda index: bank_files.export_bank_file(ca.owner.actor, payouts[index + 1].batch.id,
                                                                         "cpa005"))

    assert len({(item.id, item.content, item.file_creation_number) for item in same_batch}) == 1
    assert sorted(item.file_creation_number for item in same_batch[:1] + other_batches) == [1, 2, 3]
    with read_session() as session:
        from sqlmodel import select

        assert len(session.exec(select(BankFile).where(BankFile.operator_id == ca.owner.operator.id)).all()) == 3


def test_nacha_files_are_numbered_per_operator_and_get_the_next_file_id_modifier(us):
    modifiers = []
    for amount in (1_000, 2_000):
        redeem_at(us.owner, us.checking, amount)
        payout = batches.create_payout(us.owner.actor, through=utcnow())
        bank_file = bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha")
        modifiers.append((bank_file.file_creation_number, parse_nacha(bank_file.content).header["file_id_modifier"]))

    assert modifiers == [(1, "A"), (2, "B")]


def test_a_format_that_does_not_fit_the_accounts_is_refused_naming_the_locations(us, ca):
    redeem_at(us.owner, us.checking, 1_000)
    redeem_at(ca.owner, ca.checking, 1_000)
    us_payout = batches.create_payout(us.owner.actor, through=utcnow())
    ca_payout = batches.create_payout(ca.owner.actor, through=utcnow())

    cpa_for_us = refused(bank_files.export_bank_file, us.owner.actor, us_payout.batch.id, "cpa005")
    nacha_for_ca = refused(bank_files.export_bank_file, ca.owner.actor, ca_payout.batch.id, "nacha")

    assert cpa_for_us.code == ErrorCode.conflict
    assert "Canadian bank accounts only; Books on Main has a US account" in cpa_for_us.message
    assert "Download a NACHA file instead" in cpa_for_us.message
    assert "US bank accounts only; Librairie du Centre has a Canadian account" in nacha_for_ca.message
    assert refused(bank_files.export_bank_file, us.owner.actor, us_payout.batch.id, "swift").field == "format"
    assert batches.get_payout(us.owner.operator.id, us_payout.batch.id).batch.status == "draft"


def test_a_nacha_file_moves_us_dollars_only(make_operator):
    owner = make_operator("Border Town", currency="CAD")
    location = open_location(owner, "Duty Free", bank_country="US", routing_number="011401533",
                             account_number="123456789")
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": US_NACHA_SETTINGS}})
    redeem_at(owner, location, 1_000)
    payout = batches.create_payout(owner.actor, through=utcnow())

    assert refused(bank_files.export_bank_file, owner.actor, payout.batch.id, "nacha").message == \
        "A NACHA file moves US dollars; this network's currency is CAD."


def test_missing_bank_file_settings_are_named(make_operator):
    owner = make_operator("New Network", currency="USD")
    location = open_location(owner, "Books on Main", bank_country="US", routing_number="011401533",
                             account_number="123456789")
    payout_settings.update_settings(owner.actor, {"payouts": {"nacha": {"company_name": "New Network"}}})
    redeem_at(owner, location, 1_000)
    payout = batches.create_payout(owner.actor, through=utcnow())

    error = refused(bank_files.export_bank_file, owner.actor, payout.batch.id, "nacha")

    assert error.code == ErrorCode.conflict
    assert error.message == ("Complete the NACHA settings first (Settings, Payouts); missing: immediate destination, "
                             "immediate origin, destination name, origin name, company ID, ODFI routing number.")
    assert error.field == "payouts.nacha.immediate_destination"
    assert batches.get_payout(owner.operator.id, payout.batch.id).batch.status == "draft"


def test_a_balanced_nacha_file_debits_the_operators_offset_account(us):
    payout_settings.update_settings(us.owner.actor, {"payouts": {"nacha": {
        "offset_routing_number": "091000019", "offset_account_number": "5550001111"}}})
    redeem_at(us.owner, us.checking, 1_000)
    redeem_at(us.owner, us.savings, 2_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())

    parsed = parse_nacha(bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha").content)

    [offset] = parsed.batches[0].debits
    assert (offset.transaction_code, offset.routing_number, offset.account_number, offset.amount_cents) == \
        ("27", "091000019", "5550001111", 3_000)
    assert int(parsed.control["total_debit"]) == int(parsed.control["total_credit"]) == 3_000


def test_a_location_paid_nothing_after_commission_is_in_the_batch_but_not_in_the_file(us):
    payout_settings.update_settings(us.owner.actor, {"commission_bps": 0})
    free = open_location(us.owner, "Full Commission", bank_country="US", routing_number="091000019",
                         account_number="4444555566", commission_bps=10_000)
    redeem_at(us.owner, free, 1_000)
    redeem_at(us.owner, us.checking, 2_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())

    parsed = parse_nacha(bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha").content)

    assert [(line.location_name, line.net_cents) for line in payout.lines] == [
        ("Books on Main", 2_000), ("Full Commission", 0)]
    assert [entry.receiver_name for entry in parsed.entries] == ["BOOKS ON MAIN"]


# --- tenancy ------------------------------------------------------------------------------


def test_another_network_never_sees_counts_or_changes_a_batch(us, make_operator):
    intruder = make_operator("Other Town", currency="USD")
    made = redeem_at(us.owner, us.checking, 1_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    batch_id = payout.batch.id

    assert payables.payables(intruder.operator.id, through=utcnow()).lines == []
    assert batches.list_payouts(intruder.operator.id).batches == []
    for call in (lambda: batches.get_payout(intruder.operator.id, batch_id),
                 lambda: bank_files.export_bank_file(intruder.actor, batch_id, "nacha"),
                 lambda: batches.mark_paid(intruder.actor, batch_id),
                 lambda: batches.cancel_payout(intruder.actor, batch_id)):
        assert refused(call).code == ErrorCode.not_found
    assert refused(batches.create_payout, intruder.actor, through=utcnow()).code == ErrorCode.conflict
    assert batch_of(made[0].id) == batch_id
    assert batches.get_payout(us.owner.operator.id, batch_id).batch.status == "draft"
    assert len(redemption_rows(intruder.operator.id)) == 0
