"""Clover POS: its verification handshake, its X-Clover-Auth header, and notifications turned
into POS payments by reading each payment from Clover's REST API (a local stand-in answering
Clover's documented shapes, tests/fakes/clover.py). Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import logging

from app.models import PosPayment
from app.services.core.errors import ErrorCode
from app.services.counter import pos_log, pos_partner_settings, pos_payments, pos_refunds, redemptions
from app.services.money import ledger
from tests.support.counter import activate_counter, balance, issue, rows_of
from tests.support.pos_partners import clover_notification, clover_verification, deliver_to_clover_receiver
from tests.support.services import refused


def _deliver(till, *updates, auth="default"):
    body = clover_notification(till.clover.merchant_id, *updates)
    if auth == "default":
        return deliver_to_clover_receiver(till.location.id, body)
    return deliver_to_clover_receiver(till.location.id, body, auth)


def test_the_verification_code_is_kept_for_the_operator_to_paste_in_clover(clover_till):
    outcome = deliver_to_clover_receiver(clover_till.location.id, clover_verification("ce7643c1-83ea"), auth_code=None)

    assert outcome.verification_code_received
    view = pos_partner_settings.partner_settings(clover_till.owner.operator.id, clover_till.location.id)["clover"]
    assert view.verification_code == "ce7643c1-83ea" and view.verification_code_at is not None


def test_a_gift_card_payment_becomes_one_pos_payment_with_its_tip(clover_till):
    payment_id = clover_till.clover.add_payment(amount=2000, tip=350)

    outcome = _deliver(clover_till, (payment_id, "CREATE"))

    [(clover_id, result)] = outcome.payments
    assert (clover_id, result.reason) == (payment_id, "created")
    [waiting] = pos_payments.pending_payments(clover_till.location.id)
    assert (waiting.source, waiting.amount_cents, waiting.tip_cents, waiting.currency) == ("clover", 2350, 350, "CAD")
    read = clover_till.clover.requests[0]
    assert read.path.endswith(f"/payments/{payment_id}") and "tender" in read.query
    assert read.authorization == f"Bearer {clover_till.clover.api_token}"
    card = issue(clover_till.owner, 5000)
    counter = activate_counter(clover_till.owner, clover_till.location)
    redemptions.redeem(counter, location_id=clover_till.location.id, card_id=card.card.id, pos_payment_id=waiting.id)
    assert balance(card.card.id) == 2650
    assert ledger.check_ledger() == []


def test_the_same_notification_twice_and_out_of_order_ends_in_one_state(clover_till):
    payment_id = clover_till.clover.add_payment(amount=1800)

    first = _deliver(clover_till, (payment_id, "UPDATE"))  # the UPDATE overtook the CREATE
    again = _deliver(clover_till, (payment_id, "CREATE"), (payment_id, "UPDATE"))
    third = _deliver(clover_till, (payment_id, "CREATE"))

    assert [result.reason for _, result in first.payments] == ["created"]
    assert [result.reason for _, result in again.payments] == ["duplicate"]  # one read per payment per message
    assert [result.reason for _, result in third.payments] == ["duplicate"]
    assert [payment.amount_cents for payment in rows_of(PosPayment)] == [1800]


def test_a_voided_payment_leaves_the_counter_even_when_its_notice_comes_first(clover_till):
    shown = clover_till.clover.add_payment(amount=1000)
    _deliver(clover_till, (shown, "CREATE"))
    clover_till.clover.void(shown)
    never_shown = clover_till.clover.add_payment(amount=900, result="VOIDED")

    outcome = _deliver(clover_till, (shown, "UPDATE"), (never_shown, "CREATE"))

    assert [result.reason for _, result in outcome.payments] == ["cancelled", "cancelled"]
    assert pos_payments.pending_payments(clover_till.location.id) == []


def test_a_refund_at_clover_after_select_is_owed_back_to_the_card(clover_till):
    payment_id = clover_till.clover.add_payment(amount=2500)
    payment = _deliver(clover_till, (payment_id, "CREATE")).payments[0][1].payment
    card = issue(clover_till.owner, 4000)
    counter = activate_counter(clover_till.owner, clover_till.location)
    redemptions.redeem(counter, location_id=clover_till.location.id, card_id=card.card.id, pos_payment_id=payment.id)
    clover_till.clover.refund(payment_id, 2500)

    outcome = _deliver(clover_till, (payment_id, "UPDATE"))
    _deliver(clover_till, (payment_id, "UPDATE"))

    assert outcome.payments[0][1].reason == "refund_owed"
    [owed] = pos_refunds.pending_for_location(clover_till.owner.operator.id, clover_till.location.id)
    pos_refunds.apply_refund(counter, owed.refund_id)
    assert balance(card.card.id) == 4000
    assert ledger.check_ledger() == []


def test_a_bad_or_missing_auth_header_is_refused(clover_till):
    payment_id = clover_till.clover.add_payment(amount=1000)

    for auth in ("0307e264-not-the-code", None, ""):
        error = refused(_deliver, clover_till, (payment_id, "CREATE"), auth=auth)
        assert (error.code, error.field) == (ErrorCode.unauthenticated, "X-Clover-Auth")
    assert rows_of(PosPayment) == [] and clover_till.clover.requests == []


def test_a_payment_with_another_tender_is_ignored(clover_till, caplog):
    card_payment = clover_till.clover.add_payment(amount=1000, tender_label="Credit Card")

    with caplog.at_level(logging.INFO, logger="app.services.counter.clover_pos"):
        outcome = _deliver(clover_till, (card_payment, "CREATE"))

    assert [(result.accepted, result.reason) for _, result in outcome.payments] == [(False, "ignored_tender")]
    assert rows_of(PosPayment) == []
    assert "not the gift-card tender" in caplog.text


def test_a_merchant_in_another_currency_is_refused_and_logged(clover_till):
    clover_till.clover.currency = "USD"
    payment_id = clover_till.clover.add_payment(amount=1000)

    outcome = _deliver(clover_till, (payment_id, "CREATE"))

    assert outcome.payments[0][1].reason == "other_currency"
    assert rows_of(PosPayment) == []
    [line] = pos_log.entries_for_location(clover_till.owner.operator.id, clover_till.location.id)
    assert line.outcome == "other_currency" and "USD" in line.message


def test_notifications_of_another_merchant_or_object_change_nothing(clover_till):
    payment_id = clover_till.clover.add_payment(amount=1000)
    body = clover_notification("ANOTHERMERCH1", (payment_id, "CREATE"))
    orders = clover_notification(clover_till.clover.merchant_id).replace(b"[]", b'[{"objectId": "O:ABC", '
                                                                                   b'"type": "CREATE", "ts": 1}]')

    assert deliver_to_clover_receiver(clover_till.location.id, body).payments == []
    assert deliver_to_clover_receiver(clover_till.location.id, orders).payments == []
    assert rows_of(PosPayment) == [] and clover_till.clover.requests == []


def test_clover_unreachable_is_unavailable_so_clover_sends_it_again(clover_till):
    payment_id = clover_till.clover.add_payment(amount=1000)
    clover_till.clover.stop()

    error = refused(_deliver, clover_till, (payment_id, "CREATE"))

    assert error.code == ErrorCode.unavailable
    assert rows_of(PosPayment) == []


def test_a_location_without_clover_answers_not_found(clover_till):
    from tests.support.counter import open_location

    plain = open_location(clover_till.owner, "Corner Bakery", mode="pos")
    error = refused(deliver_to_clover_receiver, plain.id, clover_verification())
    assert error.code == ErrorCode.not_found
