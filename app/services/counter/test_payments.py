""""Send a test payment": before any real sale, a location's POS setup guide shows that its
counter screens receive POS payments.

A test payment travels exactly as a real push does: a pending POS payment row, the
`pos_payment.received` event on the bus, the live bridge refreshing every open counter
screen of the location (app/state/live.py). What differs:
- it is marked (`source` `test`) and shown as TEST on the counter;
- it is never applied to a card: `redemptions` refuses it, whichever screen or API asks;
- it goes away by itself after TEST_PAYMENT_SECONDS (the expiry sweeper,
  `pos_payments.expire_due`), or at once when dismissed on the counter;
- no webhook announces it: an outside system would take it for a sale;
- sending one is recorded in the audit trail.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from app.db import write_session
from app.models import PosPayment
from app.models.base import utcnow
from app.models.redemption import PosPaymentSource
from app.services.core import audit, events
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.counter import pos_payments
from app.services.network import counter_modes
from app.services.network.locations import location_or_404

TEST_PAYMENT_SECONDS = 60
TEST_AMOUNT_CENTS = 100
TEST_REFERENCE = "TEST payment from the setup guide"
NEVER_APPLIED = ("This is a test payment from the POS setup guide: it only shows that this counter receives POS "
                 "payments. Nothing is taken off a card; dismiss it, or let it go away by itself.")


def is_test(payment: PosPayment) -> bool:
    return payment.source == PosPaymentSource.test


def send_test_payment(actor: Actor, location_id: int) -> PosPayment:
    """A TEST payment of TEST_AMOUNT_CENTS on every open counter screen of the operator's
    location, for TEST_PAYMENT_SECONDS. Refuses another operator's location (not found), an
    inactive one, and one that does not accept POS payments (saying how to turn them on)."""
    with write_session() as session:
        location = location_or_404(session, actor.operator_id, location_id)
        if not location.active:
            raise GiftnetError(ErrorCode.forbidden, N_("This location is not active: make it active first."),
                               field="location_id")
        if not location.accepts_pos_payments:
            raise GiftnetError(ErrorCode.forbidden, counter_modes.pos_payments_refused_message(location),
                               field="accepts_pos_payments")
        now = utcnow()
        payment = PosPayment(
            operator_id=location.operator_id, location_id=location.id, source=PosPaymentSource.test,
            external_id=f"test-{uuid.uuid4().hex}", amount_cents=TEST_AMOUNT_CENTS, reference=TEST_REFERENCE,
            created_at=now, expires_at=now + timedelta(seconds=TEST_PAYMENT_SECONDS),
        )
        session.add(payment)
        session.flush()
        audit.record(session, actor, "pos_payment.test_sent", target_type="location", target_id=location.id,
                     summary=f"Test POS payment #{payment.id} sent to the counter screens of “{location.name}”")
    events.publish(events.Event(actor.operator_id, "pos_payment.received", pos_payments.event_data(payment)))
    return payment
