"""Payments the bank gives back: a return file marks the lines `returned`, their net is
owed again exactly once, account problems hold the location out until its details are
corrected, and a file that does not fit changes nothing. The NACHA return files are
written by a third-party ACH library (tests/support/bank_returns.py), not our writer.
Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import PayoutLine, PayoutReturn, Redemption, WebhookDelivery
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.messaging import webhooks
from app.services.network import locations
from app.services.settlement import (
    bank_files,
    batches,
    payables,
    payout_returns,
    reconciliation,
    statements,
)
from tests.support.bank_returns import CpaReturn, NachaReturn, cpa005_returns_file, nacha_return_file
from tests.support.bankfiles import parse_cpa005, parse_nacha
from tests.support.services import at_once, refused
from tests.support.settlement import ca_network, redeem_at, us_network


@pytest.fixture
def us(make_operator):
    return us_network(make_operator)


@pytest.fixture
def ca(make_operator):
    return ca_network(make_operator)


def paid_batch(network, file_format: str = "nacha"):
    """A batch paying the network's banked locations, its file written and the batch marked paid."""
    payout = batches.create_payout(network.owner.actor, through=utcnow())
    bank_file = bank_files.export_bank_file(network.owner.actor, payout.batch.id, file_format)
    batches.mark_paid(network.owner.actor, payout.batch.id)
    return payout, bank_file.content


def entry_for(content: str, location) -> object:
    return next(entry for entry in parse_nacha(content).entries if entry.identification_number == f"LOC{location.id}")


def lines_of(batch_id: int) -> dict[int, PayoutLine]:
    with read_session() as session:
        return {line.location_id: line for line in session.exec(
            select(PayoutLine).where(PayoutLine.batch_id == batch_id)).all()}


def payouts_figures(operator_id: int) -> dict:
    report = reconciliation.reconcile(operator_id)
    [check] = [check for check in report.checks if check.key == "payouts"]
    return {**check.figures, "mismatches": [m.as_dict() for m in report.mismatches if m.check == "payouts"]}


def test_a_nacha_return_makes_the_lines_returned_and_the_next_batch_pays_them_again_once(us):
    webhooks.create_endpoint(us.owner.actor, "https://shop.example.com/hooks", ["payout.returned"])
    first = redeem_at(us.owner, us.checking, 2_500, 1_000)
    redeem_at(us.owner, us.savings, 4_000)
    payout, content = paid_batch(us)
    lines = lines_of(payout.batch.id)
    before = payouts_figures(us.owner.operator.id)
    returns = nacha_return_file(content, [NachaReturn(entry_for(content, us.checking), "R03"),
                                          NachaReturn(entry_for(content, us.savings), "R01")])

    result = payout_returns.receive_returns(us.owner.actor, returns, "returns.ach")

    assert result.file_format == "nacha"
    assert [(match.payout_id, match.location_id, match.net_cents, match.reason_code, match.reason,
             match.account_data, match.file_line) for match in result.matched] == [
        (payout.batch.id, us.checking.id, 3_500, "R03", "No account, or the account could not be found", True, 3),
        (payout.batch.id, us.savings.id, 4_000, "R01", "Insufficient funds", False, 5),
    ]
    shown = batches.get_payout(us.owner.operator.id, payout.batch.id)
    assert [(line.location_id, line.status, line.return_reason_code) for line in shown.lines] == [
        (us.checking.id, "returned", "R03"), (us.savings.id, "returned", "R01")]
    assert shown.batch.status == "paid" and shown.batch.total_net_cents == 7_500  # what was sent stays recorded
    assert lines[us.checking.id].nacha_trace_number == entry_for(content, us.checking).trace_number

    # the money is owed again, by exactly the returned cents
    assert payables.location_payable(us.owner.operator.id, us.checking.id).net_cents == 3_500
    assert payables.location_payable(us.owner.operator.id, us.savings.id).net_cents == 4_000
    preview = payables.payables(us.owner.operator.id, through=utcnow())
    assert [(line.location_id, line.redemption_count, line.carried_cents, line.net_cents) for line in preview.lines] \
        == [(us.savings.id, 0, 4_000, 4_000)]
    [held] = preview.skipped
    assert (held.location_id, held.carried_cents) == (us.checking.id, 3_500) and "R03" in held.reason
    after = payouts_figures(us.owner.operator.id)
    assert after["returned_cents"] - before["returned_cents"] == 7_500
    assert after["owed_again_cents"] - before["owed_again_cents"] == 7_500
    assert after["paid_out_cents"] == before["paid_out_cents"] and after["mismatches"] == []
    with read_session() as session:
        owed = session.exec(select(WebhookDelivery.event_type, WebhookDelivery.payload).where(
            WebhookDelivery.operator_id == us.owner.operator.id)).all()
    assert [event_type for event_type, _payload in owed] == ["payout.returned", "payout.returned"]

    # the next batch pays the savings location again; the checking one waits for new details
    again = batches.create_payout(us.owner.actor, through=utcnow())
    assert [(line.location_id, line.carried_cents, line.net_cents) for line in again.lines] == [
        (us.savings.id, 4_000, 4_000)]
    assert [(skipped.location_id, skipped.carried_cents) for skipped in again.skipped] == [(us.checking.id, 3_500)]
    refused_now = refused(batches.create_payout, us.owner.actor, through=utcnow())
    assert refused_now.code == ErrorCode.conflict and "R03" in refused_now.message

    locations.update_location(us.owner.actor, us.checking.id, {
        "bank_country": "US", "routing_number": "011401533", "account_number": "555666777",
        "account_type": "checking"})
    corrected = batches.create_payout(us.owner.actor, through=utcnow())
    assert [(line.location_id, line.redemption_count, line.carried_cents, line.net_cents)
            for line in corrected.lines] == [(us.checking.id, 0, 3_500, 3_500)]
    nacha_entries = parse_nacha(bank_files.export_bank_file(us.owner.actor, corrected.batch.id, "nacha").content)
    assert [(entry.account_number, entry.amount_cents) for entry in nacha_entries.entries] == [("555666777", 3_500)]
    assert refused(batches.create_payout, us.owner.actor, through=utcnow()).code == ErrorCode.conflict  # once only
    with read_session() as session:  # the redemptions stay in the batch that first paid them
        assert {session.get(Redemption, made.id).payout_batch_id for made in first} == {payout.batch.id}
    assert payouts_figures(us.owner.operator.id)["mismatches"] == []
    assert payouts_figures(us.owner.operator.id)["owed_again_cents"] == 0

    statement = statements.location_statement(us.owner.operator.id, corrected.batch.id, us.checking.id)
    assert f"Paid again: payout #{payout.batch.id} came back (R03" in statement.csv()
    returned = statements.location_statement(us.owner.operator.id, payout.batch.id, us.checking.id)
    assert "Came back from the bank (R03 No account" in returned.csv()


def test_the_same_return_file_twice_changes_nothing(us):
    redeem_at(us.owner, us.checking, 2_000)
    payout, content = paid_batch(us)
    returns = nacha_return_file(content, [NachaReturn(entry_for(content, us.checking), "R02")])

    first = payout_returns.receive_returns(us.owner.actor, returns, "returns.ach")
    second = payout_returns.receive_returns(us.owner.actor, returns, "returns-again.ach")

    assert [(match.line_id, match.already_recorded) for match in first.matched] == [
        (lines_of(payout.batch.id)[us.checking.id].id, False)]
    assert [(match.line_id, match.net_cents, match.reason_code, match.already_recorded)
            for match in second.matched] == [(first.matched[0].line_id, 2_000, "R02", True)]
    with read_session() as session:
        assert len(session.exec(select(PayoutReturn)).all()) == 1
    assert payables.location_payable(us.owner.operator.id, us.checking.id).net_cents == 2_000


def test_two_uploads_of_one_file_at_once_record_it_once(us):
    redeem_at(us.owner, us.checking, 2_000)
    _payout, content = paid_batch(us)
    returns = nacha_return_file(content, [NachaReturn(entry_for(content, us.checking), "R01")])

    outcomes = at_once(2, lambda _index: payout_returns.receive_returns(us.owner.actor, returns, "r.ach"))

    assert sorted(outcome.matched[0].already_recorded for outcome in outcomes) == [False, True]
    assert payables.location_payable(us.owner.operator.id, us.checking.id).net_cents == 2_000


def test_an_unmatched_entry_refuses_the_whole_file_naming_its_line(us):
    redeem_at(us.owner, us.checking, 2_000)
    redeem_at(us.owner, us.savings, 3_000)
    payout, content = paid_batch(us)
    returns = nacha_return_file(content, [
        NachaReturn(entry_for(content, us.checking), "R03"),
        NachaReturn(entry_for(content, us.savings), "R01", original_trace="021000029999999"),
    ])

    error = refused(payout_returns.receive_returns, us.owner.actor, returns)

    assert error.code == ErrorCode.invalid_input and error.field == "file"
    assert "nothing changed" in error.message
    assert "Line 5: no payout of this network has the trace number 021000029999999" in error.message
    assert {line.status for line in lines_of(payout.batch.id).values()} == {"paid"}
    assert payables.location_payable(us.owner.operator.id, us.checking.id).net_cents == 0

    wrong_amount = nacha_return_file(content, [NachaReturn(entry_for(content, us.checking), "R03", amount_cents=1)])
    error = refused(payout_returns.receive_returns, us.owner.actor, wrong_amount)
    assert "Line 3:" in error.message and "but the return is for $0.01" in error.message


def test_a_malformed_return_file_is_refused_with_its_line_and_reason(us):
    redeem_at(us.owner, us.checking, 2_000)
    payout, content = paid_batch(us)
    good = nacha_return_file(content, [NachaReturn(entry_for(content, us.checking), "R03")]).decode()
    records = good.split("\n")
    bad_reason = records[3][:3] + "R99" + records[3][6:]  # the addenda on line 4
    broken = "\n".join(records[:3] + [bad_reason] + records[4:]).encode()

    error = refused(payout_returns.receive_returns, us.owner.actor, broken)
    assert error.code == ErrorCode.invalid_input
    assert "Line 4: 'R99' is not a NACHA return reason code" in error.message

    short = "\n".join(records[:2] + [records[2][:90]] + records[3:]).encode()
    assert "Line 3: the record has 90 characters, not 94" in refused(
        payout_returns.receive_returns, us.owner.actor, short).message
    assert "neither a NACHA return file" in refused(payout_returns.receive_returns, us.owner.actor, b"hello").message
    assert {line.status for line in lines_of(payout.batch.id).values()} == {"paid"}


def test_another_operators_payments_are_never_matched(us, make_operator):
    rival = us_network(make_operator, "Uptown Alliance")  # the same bank settings: the same trace numbers
    redeem_at(rival.owner, rival.checking, 2_000)
    rival_payout, rival_content = paid_batch(rival)
    returns = nacha_return_file(rival_content, [NachaReturn(entry_for(rival_content, rival.checking), "R02")])

    error = refused(payout_returns.receive_returns, us.owner.actor, returns)

    assert "no payout of this network has the trace number" in error.message
    assert {line.status for line in lines_of(rival_payout.batch.id).values()} == {"paid"}


def test_a_batch_with_a_returned_payment_cannot_be_cancelled_and_a_cancelled_repayment_is_owed_again(us):
    redeem_at(us.owner, us.savings, 2_000)
    payout = batches.create_payout(us.owner.actor, through=utcnow())
    content = bank_files.export_bank_file(us.owner.actor, payout.batch.id, "nacha").content  # exported, not paid
    payout_returns.receive_returns(us.owner.actor, nacha_return_file(
        content, [NachaReturn(entry_for(content, us.savings), "R01")]))

    error = refused(batches.cancel_payout, us.owner.actor, payout.batch.id)
    assert error.code == ErrorCode.conflict and "came back from the bank" in error.message

    repaying = batches.create_payout(us.owner.actor, through=utcnow())
    assert repaying.lines[0].carried_cents == 2_000
    batches.cancel_payout(us.owner.actor, repaying.batch.id)
    assert payables.location_payable(us.owner.operator.id, us.savings.id).net_cents == 2_000
    assert batches.create_payout(us.owner.actor, through=utcnow()).lines[0].carried_cents == 2_000


def test_cpa005_returned_items_are_matched_by_cross_reference(ca):
    redeem_at(ca.owner, ca.checking, 5_000)
    redeem_at(ca.owner, ca.savings, 1_200)
    payout, content = paid_batch(ca, "cpa005")
    payments = {payment.cross_reference: payment for payment in parse_cpa005(content).payments}
    checking_ref = f"B{payout.batch.id}L{ca.checking.id}"
    assert lines_of(payout.batch.id)[ca.checking.id].cpa005_cross_reference == checking_ref
    returns = cpa005_returns_file(content, [CpaReturn(payments[checking_ref], "905")])

    result = payout_returns.receive_returns(ca.owner.actor, returns, "returns.cpa")

    assert [(match.location_id, match.net_cents, match.reason_code, match.reason, match.file_line)
            for match in result.matched] == [(ca.checking.id, 5_000, "905", "Account closed", 2)]
    assert lines_of(payout.batch.id)[ca.checking.id].status == "returned"
    assert payables.location_payable(ca.owner.operator.id, ca.checking.id).net_cents == 5_000
    held = refused(batches.create_payout, ca.owner.actor, through=utcnow())
    assert "905 Account closed" in held.message

    locations.update_location(ca.owner.actor, ca.checking.id, {
        "bank_country": "CA", "institution_number": "002", "transit_number": "00022", "account_number": "7654321",
        "account_type": "checking"})
    again = batches.create_payout(ca.owner.actor, through=utcnow())
    assert [(line.location_id, line.carried_cents, line.net_cents) for line in again.lines] == [
        (ca.checking.id, 5_000, 5_000)]

    unknown = cpa005_returns_file(content, [CpaReturn(payments[f"B{payout.batch.id}L{ca.savings.id}"], "905",
                                                      cross_reference="B999L999")])
    error = refused(payout_returns.receive_returns, ca.owner.actor, unknown)
    assert "Line 2: no payout of this network has the cross-reference B999L999" in error.message
    payment_file = refused(payout_returns.receive_returns, ca.owner.actor, content.encode())
    assert "Line 2: this is a credit payment, not a returned item" in payment_file.message
