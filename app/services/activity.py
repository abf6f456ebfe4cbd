"""What the operator sees first: a few figures and the latest ledger movements."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import select

from app.db import read_session
from app.models import Card, LedgerEntry


@dataclass(frozen=True)
class HomeFigures:
    active_cards: int
    outstanding_cents: int
    issued_this_month_cents: int
    redeemed_this_month_cents: int


def _month_start_utc(timezone: str) -> datetime:
    local_now = datetime.now(zoneinfo.ZoneInfo(timezone))
    return local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def home_figures(operator_id: int, timezone: str) -> HomeFigures:
    """Aggregates in the database (indexed by operator), never whole tables in memory."""
    since = _month_start_utc(timezone)
    with read_session() as session:
        active_cards, outstanding = session.exec(
            select(func.count(Card.id), func.coalesce(func.sum(Card.balance_cents), 0)).where(
                Card.operator_id == operator_id, Card.balance_cents > 0
            )
        ).one()
        by_kind = dict(
            session.exec(
                select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_cents), 0))
                .where(LedgerEntry.operator_id == operator_id, LedgerEntry.created_at >= since)
                .group_by(LedgerEntry.kind)
            ).all()
        )
    return HomeFigures(
        active_cards=active_cards,
        outstanding_cents=outstanding,
        issued_this_month_cents=by_kind.get("issue", 0) + by_kind.get("topup", 0),
        redeemed_this_month_cents=-(by_kind.get("redeem", 0) + by_kind.get("void", 0)),
    )


def recent_entries(operator_id: int, limit: int = 20) -> list[tuple[LedgerEntry, str]]:
    """The newest ledger rows of the network, each with its card's last 4."""
    with read_session() as session:
        return list(
            session.exec(
                select(LedgerEntry, Card.last4)
                .join(Card, Card.id == LedgerEntry.card_id)
                .where(LedgerEntry.operator_id == operator_id)
                .order_by(LedgerEntry.id.desc())
                .limit(limit)
            ).all()
        )
