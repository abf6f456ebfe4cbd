"""Figures for a period: what was sold, topped up and redeemed, and what is still owed.

Everything comes from the ledger, aggregated in the database:
- sold: `issue` rows; topped up: `topup` rows;
- redeemed: `redeem` rows net of their `void` rows (money given back to the card);
- other: `adjust`, `expire` and `refund` rows (signed);
- liability: the sum of every ledger row before a moment, i.e. the value all cards
  held then. Opening + sold + topped up - redeemed + other = outstanding, always.
The period is [from, to). A date alone means midnight in the operator's time zone,
and a `to` date includes that whole day; a time without offset is UTC.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import select

from app.db import read_session
from app.models import LedgerEntry, Operator
from app.models.base import utcnow
from app.services.errors import ErrorCode, GiftnetError


@dataclass(frozen=True)
class LocationFigures:
    location_id: int
    redeemed_cents: int = 0
    redemption_count: int = 0
    sold_cents: int = 0
    topped_up_cents: int = 0


@dataclass(frozen=True)
class Summary:
    period_from: datetime
    period_to: datetime
    currency: str
    sold_cents: int
    sold_count: int
    topped_up_cents: int
    topup_count: int
    redeemed_cents: int
    redemption_count: int
    other_cents: int
    opening_liability_cents: int
    outstanding_liability_cents: int
    by_location: list[LocationFigures] = field(default_factory=list)


def _moment(raw: str, timezone: str, *, field_name: str, end_of_day: bool) -> datetime:
    raw = raw.strip()
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            if end_of_day:
                day += timedelta(days=1)
            return datetime.combine(day, time.min, zoneinfo.ZoneInfo(timezone)).astimezone(UTC)
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise GiftnetError(
            ErrorCode.invalid_input,
            f"`{field_name}` must be an ISO 8601 date or time, like 2026-01-31 or 2026-01-31T12:00:00Z.",
            field=field_name,
        ) from None


def resolve_period(timezone: str, raw_from: str | None, raw_to: str | None) -> tuple[datetime, datetime]:
    """[from, to) in UTC. Defaults: the start of this month in the operator's zone, and now."""
    if raw_from:
        start = _moment(raw_from, timezone, field_name="from", end_of_day=False)
    else:
        local_now = datetime.now(zoneinfo.ZoneInfo(timezone))
        start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    end = _moment(raw_to, timezone, field_name="to", end_of_day=True) if raw_to else utcnow()
    if end <= start:
        raise GiftnetError(ErrorCode.invalid_input, "`to` must come after `from`.", field="to")
    return start, end


def summary(operator_id: int, raw_from: str | None = None, raw_to: str | None = None) -> Summary:
    """The operator's figures for the period (see the module docstring for each figure)."""
    with read_session() as session:
        operator = session.get(Operator, operator_id)
        if operator is None:
            raise GiftnetError(ErrorCode.not_found, "This operator does not exist.")
        start, end = resolve_period(operator.timezone, raw_from, raw_to)
        in_period = (
            LedgerEntry.operator_id == operator_id,
            LedgerEntry.created_at >= start,
            LedgerEntry.created_at < end,
        )
        by_kind = {
            kind: (int(total), int(count))
            for kind, total, count in session.exec(
                select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_cents), 0), func.count(LedgerEntry.id))
                .where(*in_period)
                .group_by(LedgerEntry.kind)
            ).all()
        }
        liability_before = select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.operator_id == operator_id
        )
        opening = int(session.exec(liability_before.where(LedgerEntry.created_at < start)).one())
        closing = int(session.exec(liability_before.where(LedgerEntry.created_at < end)).one())
        location_rows = session.exec(
            select(
                LedgerEntry.location_id,
                LedgerEntry.kind,
                func.coalesce(func.sum(LedgerEntry.amount_cents), 0),
                func.count(LedgerEntry.id),
            )
            .where(*in_period, LedgerEntry.location_id.is_not(None))
            .group_by(LedgerEntry.location_id, LedgerEntry.kind)
        ).all()

    def total(kind: str) -> int:
        return by_kind.get(kind, (0, 0))[0]

    def count(kind: str) -> int:
        return by_kind.get(kind, (0, 0))[1]

    per_location: dict[int, dict[str, int]] = {}
    for location_id, kind, amount, rows in location_rows:
        figures = per_location.setdefault(location_id, {"redeemed_cents": 0, "redemption_count": 0, "sold_cents": 0, "topped_up_cents": 0})
        if kind in ("redeem", "void"):
            figures["redeemed_cents"] -= int(amount)
            if kind == "redeem":
                figures["redemption_count"] += int(rows)
        elif kind == "issue":
            figures["sold_cents"] += int(amount)
        elif kind == "topup":
            figures["topped_up_cents"] += int(amount)
    return Summary(
        period_from=start,
        period_to=end,
        currency=operator.currency,
        sold_cents=total("issue"),
        sold_count=count("issue"),
        topped_up_cents=total("topup"),
        topup_count=count("topup"),
        redeemed_cents=-(total("redeem") + total("void")),
        redemption_count=count("redeem"),
        other_cents=total("adjust") + total("expire") + total("refund"),
        opening_liability_cents=opening,
        outstanding_liability_cents=closing,
        by_location=[LocationFigures(location_id, **figures) for location_id, figures in sorted(per_location.items())],
    )
