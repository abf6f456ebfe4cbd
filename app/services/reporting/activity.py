"""What the operator sees first: the network's latest happenings, newest first.

The feed merges the newest rows of each source (ledger movements, POS payments
received, devices activated, shop orders paid or failed): a few small indexed
queries, each limited, merged by time. The live screen reloads it whenever the
event bus says something happened (app/state/feed.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session, select

from app.db import read_session
from app.models import Card, Device, LedgerEntry, Location, Order, PosPayment
from app.models.card import LedgerKind
from app.models.order import OrderStatus
from app.services.core.i18n import N_

FEED_SIZE = 30
# The feed's words are English keys (the Activity screen shows them in the reader's language).
LEDGER_FEED_LABELS = {
    LedgerKind.issue: N_("Card issued"),
    LedgerKind.topup: N_("Topped up"),
    LedgerKind.redeem: N_("Redeemed"),
    LedgerKind.void: N_("Redemption voided"),
    LedgerKind.adjust: N_("Adjustment"),
    LedgerKind.expire: N_("Expired"),
    LedgerKind.refund: N_("Refund"),
}
ORDER_FEED_STATUSES = {OrderStatus.paid: N_("Order paid"), OrderStatus.declined: N_("Order failed"),
                       OrderStatus.error: N_("Order failed")}
TEST_POS_LABEL, POS_LABEL, DEVICE_LABEL = (N_("Test POS payment (setup guide)"), N_("POS payment received"),
                                           N_("Device activated"))
OTHER_FEED_LABELS = (TEST_POS_LABEL, POS_LABEL, DEVICE_LABEL)
# Where a card was issued when no location did it (a card's channel, the shop's orders).
FEED_CHANNELS = (N_("shop"), N_("dashboard"))


@dataclass(frozen=True)
class FeedEntry:
    key: str  # unique across sources: ledger-12, pos-3, device-4, order-9
    kind: str  # issue, topup, redeem, void, ..., pos, device, order
    label: str
    card_id: int | None
    last4: str
    where: str  # location (and device) or channel
    amount_cents: int | None
    at: datetime


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _newest_with_location(session: Session, model: type[PosPayment] | type[Device], operator_id: int,
                          limit: int) -> list[tuple]:
    """The operator's newest `limit` rows of `model` (POS payments, devices), each with its location's name."""
    return list(session.exec(
        select(model, Location.name)
        .join(Location, Location.id == model.location_id)
        .where(model.operator_id == operator_id)
        .order_by(model.id.desc())
        .limit(limit)
    ).all())


def feed(operator_id: int, limit: int = FEED_SIZE) -> list[FeedEntry]:
    """The newest `limit` happenings of the operator's network, newest first."""
    entries: list[FeedEntry] = []
    with read_session() as session:
        ledger_rows = session.exec(
            select(LedgerEntry, Card.last4, Card.channel, Location.name, Device.code)
            .join(Card, Card.id == LedgerEntry.card_id)
            .outerjoin(Location, Location.id == LedgerEntry.location_id)
            .outerjoin(Device, Device.id == LedgerEntry.device_id)
            .where(LedgerEntry.operator_id == operator_id)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        ).all()
        for entry, last4, channel, location_name, device_code in ledger_rows:
            where = (" · ".join(filter(None, [location_name, device_code]))
                     or (channel if entry.kind == LedgerKind.issue else ""))
            entries.append(FeedEntry(f"ledger-{entry.id}", entry.kind, LEDGER_FEED_LABELS.get(entry.kind, entry.kind),
                                     entry.card_id, last4, where, entry.amount_cents, _aware(entry.created_at)))
        for payment, location_name in _newest_with_location(session, PosPayment, operator_id, limit):
            label = TEST_POS_LABEL if payment.source == "test" else POS_LABEL
            entries.append(FeedEntry(f"pos-{payment.id}", "pos", label, None, "",
                                     f"{location_name} · {payment.reference}", payment.amount_cents,
                                     _aware(payment.created_at)))
        for device, location_name in _newest_with_location(session, Device, operator_id, limit):
            entries.append(FeedEntry(f"device-{device.id}", "device", DEVICE_LABEL, None, "",
                                     f"{location_name} · {device.code}", None, _aware(device.activated_at)))
        order_rows = session.exec(
            select(Order)
            .where(Order.operator_id == operator_id, Order.status.in_(tuple(ORDER_FEED_STATUSES)))
            .order_by(Order.id.desc())
            .limit(limit)
        ).all()
        for order in order_rows:
            entries.append(FeedEntry(f"order-{order.id}", "order", ORDER_FEED_STATUSES[order.status], None, "",
                                     "shop", order.total_cents,
                                     _aware(order.paid_at or order.updated_at)))
    entries.sort(key=lambda item: item.at, reverse=True)
    return entries[:limit]
