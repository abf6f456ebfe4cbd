"""Square delivers webhooks at least once and in no guaranteed order: the same event
twice (or at once), `payment.updated` before the `payment.created` it follows, a
cancel before the payment. Every order of arrival must end in the same state, and a
payment is applied to a card at most once. Payloads and signatures as Square sends
them (tests/unit/counter/test_square.py); each test runs on SQLite and on PostgreSQL.

Also covered elsewhere: a replayed event and a replay after the payment was applied
(tests/unit/counter/test_square.py), two screens racing to apply one POS payment
(tests/unit/counter/test_redemptions.py), the webhook over HTTP (tests/api/test_pos.py).
"""

from __future__ import annotations

import itertools
import threading

from app.models import PosPayment
from app.services.core.errors import ErrorCode
from app.services.counter import pos_payments, redemptions
from app.services.money import ledger
from tests.support.counter import activate_counter, balance, issue, rows_of
from tests.support.services import refused
from tests.support.square import deliver, square_payment_created

PAYMENT = "R2X7qPaymentId"


def event(kind: str, status: str, *, version: int, event_id: str | None = None, payment_id: str = PAYMENT,
          amount: int = 2500) -> bytes:
    return square_payment_created(event_id=event_id or f"{kind}-{status}-{version}-{payment_id}", event_type=kind,
                                  status=status, version=version, payment_id=payment_id, amount=amount)


def payments_of(payment_id: str = PAYMENT) -> list[PosPayment]:
    return [row for row in rows_of(PosPayment) if row.external_id == payment_id]


def apply(square_till, payment_id: int, card_id: int):
    counter = activate_counter(square_till.owner, square_till.location)
    return redemptions.redeem(counter, location_id=square_till.location.id, card_id=card_id,
                              pos_payment_id=payment_id)


def test_the_same_event_delivered_at_once_six_times_creates_one_payment(square_till):
    body = event("payment.created", "COMPLETED", version=1)
    reasons, start = [], threading.Barrier(6)

    def redeliver() -> None:
        start.wait()
        reasons.append(deliver(square_till, body).reason)

    threads = [threading.Thread(target=redeliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(reasons) == ["created"] + ["duplicate"] * 5
    [payment] = payments_of()
    assert payment.status == "pending" and payment.amount_cents == 2500
    assert [p.id for p in pos_payments.pending_payments(square_till.location.id)] == [payment.id]


def test_created_and_updated_events_of_one_payment_make_one_payment(square_till):
    created = deliver(square_till, event("payment.created", "COMPLETED", version=1))
    updated = deliver(square_till, event("payment.updated", "COMPLETED", version=2))

    assert (created.reason, updated.reason) == ("created", "duplicate")
    assert updated.payment.id == created.payment.id
    assert len(payments_of()) == 1


def test_an_update_that_completes_the_payment_arriving_before_its_create_ends_pending_once(square_till):
    completed = deliver(square_till, event("payment.updated", "COMPLETED", version=2))
    late_create = deliver(square_till, event("payment.created", "APPROVED", version=1))

    assert (completed.reason, late_create.reason) == ("created", "not_completed")
    [payment] = payments_of()
    assert payment.status == "pending"

    # In order, the same two events end the same.
    in_order = "InOrderPaymentId"
    assert deliver(square_till, event("payment.created", "APPROVED", version=1, payment_id=in_order)).reason == (
        "not_completed")
    assert payments_of(in_order) == []  # not captured yet: nothing on the screens
    assert deliver(square_till, event("payment.updated", "COMPLETED", version=2, payment_id=in_order)).reason == (
        "created")
    assert [p.status for p in payments_of(in_order)] == ["pending"]


def test_a_cancel_arriving_before_the_payment_keeps_it_off_the_screens(square_till):
    cancel = deliver(square_till, event("payment.updated", "CANCELED", version=2))
    late_create = deliver(square_till, event("payment.created", "COMPLETED", version=1))

    assert (cancel.reason, late_create.reason) == ("cancelled", "duplicate")
    [payment] = payments_of()
    assert payment.status == "cancelled"
    assert pos_payments.pending_payments(square_till.location.id) == []
    card = issue(square_till.owner, 5000)
    error = refused(apply, square_till, payment.id, card.card.id)
    assert (error.code, error.message) == (ErrorCode.conflict, "This payment is cancelled.")
    assert balance(card.card.id) == 5000 and ledger.check_ledger(square_till.owner.operator.id) == []


def test_a_cancel_after_the_payment_takes_it_off_the_screens_and_a_replay_changes_nothing(square_till):
    created = deliver(square_till, event("payment.created", "COMPLETED", version=1))
    cancel_body = event("payment.updated", "CANCELED", version=2)

    assert deliver(square_till, cancel_body).reason == "cancelled"
    assert deliver(square_till, cancel_body).reason == "cancelled"
    assert deliver(square_till, event("payment.created", "COMPLETED", version=1)).reason == "duplicate"

    assert pos_payments.get_payment(square_till.owner.operator.id, created.payment.id).status == "cancelled"
    assert pos_payments.pending_payments(square_till.location.id) == []


def test_a_cancel_after_the_payment_was_applied_debits_the_card_once_and_says_so(square_till):
    created = deliver(square_till, event("payment.created", "COMPLETED", version=1, amount=1500))
    card = issue(square_till.owner, 5000)
    apply(square_till, created.payment.id, card.card.id)

    cancel = deliver(square_till, event("payment.updated", "CANCELED", version=2, amount=1500))
    replay = deliver(square_till, event("payment.created", "COMPLETED", version=1, amount=1500))

    assert (cancel.reason, cancel.payment.status, cancel.refund.amount_cents) == ("refund_owed", "applied", 1500)
    assert replay.reason == "duplicate"
    assert balance(card.card.id) == 3500  # applied once; the counter gives the 1500 back with one tap (pos_refunds)
    again = refused(apply, square_till, created.payment.id, card.card.id)
    assert again.code == ErrorCode.conflict and balance(card.card.id) == 3500
    assert ledger.check_ledger(square_till.owner.operator.id) == []


def test_every_order_of_arrival_ends_cancelled_with_one_row(square_till):
    for order in itertools.permutations(["created", "updated", "cancelled"]):
        payment_id = "perm-" + "-".join(order)
        bodies = {
            "created": event("payment.created", "COMPLETED", version=1, payment_id=payment_id),
            "updated": event("payment.updated", "COMPLETED", version=2, payment_id=payment_id),
            "cancelled": event("payment.updated", "CANCELED", version=3, payment_id=payment_id),
        }
        for name in order:
            deliver(square_till, bodies[name])
            deliver(square_till, bodies[name])  # and each one twice

        assert [payment.status for payment in payments_of(payment_id)] == ["cancelled"], order
    assert pos_payments.pending_payments(square_till.location.id) == []
