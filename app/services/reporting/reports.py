"""Figures for a period: what was sold, topped up and redeemed, and what is still owed.

Everything comes from the ledger, aggregated in the database:
- sold: `issue` rows; topped up: `topup` rows;
- redeemed: `redeem` rows net of their `void` rows (money given back to the card);
- other: `adjust`, `expire` and `refund` rows (signed);
- liability: the sum of every ledger row before a moment, i.e. the value all cards
  held then. Opening + sold + topped up - redeemed + other = outstanding, always.
The period is [from, to). A date alone means midnight in the operator's time zone,
and a `to` date includes that whole day; a time without offset is UTC.
Sums come from the ledger rollups (app/services/reporting/rollups.py): folded local days + a live
aggregate over the rest, in one snapshot, exact to the cent.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func
from sqlmodel import select

from app.db import read_session
from app.models import LedgerEntry
from app.models.base import utcnow
from app.models.card import LedgerKind
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.spreadsheet import text_cell
from app.services.reporting import rollup_fold, rollups


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
            N_("`{field_name}` must be an ISO 8601 date or time, like 2026-01-31 or 2026-01-31T12:00:00Z."),
            field=field_name, params={"field_name": field_name},
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
        raise GiftnetError(ErrorCode.invalid_input, N_("`to` must come after `from`."), field="to")
    return start, end


def summary(operator_id: int, raw_from: str | None = None, raw_to: str | None = None) -> Summary:
    """The operator's figures for the period (see the module docstring for each figure)."""
    with read_session() as session:
        operator = operator_or_404(session, operator_id)
    start, end = resolve_period(operator.timezone, raw_from, raw_to)
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        current = rollups.view(session, operator_id)
        by_kind = rollups.totals(session, operator_id, start, end, ("kind",), current=current)
        opening = sum(cents for _count, cents in rollups.totals(session, operator_id, None, start,
                                                                 current=current).values())
        closing = opening + sum(cents for _count, cents in by_kind.values())
        per_location: dict[int, dict[tuple, tuple[int, int]]] = defaultdict(dict)
        for (location_id, kind), figures in rollups.totals(session, operator_id, start, end, ("location_id", "kind"),
                                                           current=current).items():
            if location_id != 0:
                per_location[location_id][(kind,)] = figures

    moved = rollups.movements(by_kind)

    def total(kind: str) -> int:
        return by_kind.get((kind,), (0, 0))[1]

    def at_location(location_id: int, location_kinds: dict[tuple, tuple[int, int]]) -> LocationFigures:
        there = rollups.movements(location_kinds)
        return LocationFigures(location_id, redeemed_cents=there.redeemed_cents,
                               redemption_count=there.redemption_count, sold_cents=there.sold_cents,
                               topped_up_cents=there.topup_cents)

    return Summary(
        period_from=start,
        period_to=end,
        currency=operator.currency,
        sold_cents=moved.sold_cents,
        sold_count=moved.sold_count,
        topped_up_cents=moved.topup_cents,
        topup_count=moved.topup_count,
        redeemed_cents=moved.redeemed_cents,
        redemption_count=moved.redemption_count,
        other_cents=total(LedgerKind.adjust) + total(LedgerKind.expire) + total(LedgerKind.refund),
        opening_liability_cents=opening,
        outstanding_liability_cents=closing,
        by_location=[at_location(location_id, location_kinds)
                     for location_id, location_kinds in sorted(per_location.items())],
    )


# --------------------------------------------------------------------------- the Reports screen
#
# Each report is aggregate SQL over indexed columns; lists that grow with the network
# (dormant cards, a card's history) come a page at a time. Each returns its rows and
# totals in cents, and `*_csv` writes exactly those rows and totals, so the file and
# the screen agree to the cent.

REPORT_PAGE_SIZE = 50
AGING_BUCKETS = ((0, 90, "0-3 months"), (90, 180, "3-6 months"), (180, 365, "6-12 months"),
                 (365, 730, "12-24 months"), (730, None, "over 24 months"))


@dataclass(frozen=True)
class ChannelSales:
    channel: str
    new_cards: int
    new_cards_cents: int
    topups: int
    topup_cents: int


@dataclass(frozen=True)
class RedeemedAt:
    key: str  # the location's name, or the device's code
    location: str
    redemptions: int  # net of voids: a voided redemption is not counted, as its amount is not
    redeemed_cents: int  # net of voids


@dataclass(frozen=True)
class AgingBucket:
    label: str
    cards: int
    unredeemed_cents: int


@dataclass(frozen=True)
class DormantCard:
    card_id: int
    last4: str
    balance_cents: int
    issued_at: datetime
    last_activity_at: datetime


@dataclass(frozen=True)
class Page:
    rows: list
    total_rows: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total_rows // self.page_size))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sales_by_channel(operator_id: int, start: datetime, end: datetime) -> list[ChannelSales]:
    """New cards (by the card's channel) and top-ups (by who loaded them: an order is the
    shop, an API key the API, anything else the dashboard) in [start, end)."""
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        rows = [(channel, kind, count, cents) for (channel, kind), (count, cents) in rollups.totals(
            session, operator_id, _utc(start), _utc(end), ("channel", "kind"), rollups.SALES_KINDS).items()]
    figures = {name: [0, 0, 0, 0] for name in ("api", "shop", "dashboard")}
    for name, kind, count, total in rows:
        slot = figures.setdefault(name, [0, 0, 0, 0])
        offset = 0 if kind == LedgerKind.issue else 2
        slot[offset] += int(count)
        slot[offset + 1] += int(total)
    return [ChannelSales(name, *values) for name, values in figures.items()]


def _redeemed_grouped(operator_id: int, start: datetime, end: datetime, *, by_device: bool) -> list[RedeemedAt]:
    from app.models import Device, Location

    dims = ("location_id", "device_id", "kind") if by_device else ("location_id", "kind")
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        found = rollups.totals(session, operator_id, _utc(start), _utc(end), dims,
                               (LedgerKind.redeem, LedgerKind.void))
        locations = dict(session.exec(select(Location.id, Location.name).where(
            Location.operator_id == operator_id, Location.id.in_({key[0] for key in found}))).all())
        codes = dict(session.exec(select(Device.id, Device.code).where(
            Device.operator_id == operator_id, Device.id.in_({key[1] for key in found}))).all()) if by_device else {}
    grouped: dict[tuple[str, str], list[int]] = {}
    for key, (count, cents) in found.items():
        location = locations.get(key[0])
        if location is None:  # no location (API or dashboard), or not this operator's
            continue
        name = (codes.get(key[1]) or "API or dashboard") if by_device else location
        slot = grouped.setdefault((name, location), [0, 0])
        slot[1] -= cents
        slot[0] += rollups.redemptions_counted(key[-1], count)
    result = [RedeemedAt(name, location, count, cents) for (name, location), (count, cents) in grouped.items()]
    return sorted(result, key=lambda item: (-item.redeemed_cents, item.key, item.location))


def redemptions_by_location(operator_id: int, start: datetime, end: datetime) -> list[RedeemedAt]:
    """Redemptions (count) and value redeemed, both net of voids, per location, in [start, end)."""
    return _redeemed_grouped(operator_id, start, end, by_device=False)


def redemptions_by_device(operator_id: int, start: datetime, end: datetime) -> list[RedeemedAt]:
    """The same per counter device (redemptions without a device, through the API, in one row)."""
    return _redeemed_grouped(operator_id, start, end, by_device=True)


def liability_aging(operator_id: int, now: datetime | None = None) -> list[AgingBucket]:
    """Today's unredeemed value by the age of its card (days since issue): one range of the
    covering (operator, created_at, balance) index per bucket, no per-card CASE to sort."""
    from app.models import Card

    now = _utc(now or utcnow())
    result = []
    with read_session() as session:
        for index, (_low, high, label) in enumerate(AGING_BUCKETS):
            # A card is in the first bucket (from the youngest) whose bound it is newer than.
            conditions = [Card.operator_id == operator_id, Card.balance_cents + 0 > 0]  # `+ 0`: not the balance index
            if high is not None:
                conditions.append(Card.created_at > now - timedelta(days=high))
            if index > 0:
                conditions.append(Card.created_at <= now - timedelta(days=AGING_BUCKETS[index - 1][1]))
            count, total = session.exec(
                select(func.count(Card.id), func.coalesce(func.sum(Card.balance_cents), 0)).where(*conditions)).one()
            result.append(AgingBucket(label, int(count), int(total)))
    return result


def dormant_cards(operator_id: int, months: int, page: int = 1, page_size: int = REPORT_PAGE_SIZE,
                  now: datetime | None = None) -> tuple[Page, int]:
    """Cards with value and no ledger movement for `months` months (30 days each), in card
    order, a page at a time; also the unredeemed value of all of them.

    Folded cards are read from card activity alone (balance and last movement as of the
    watermark); cards with rows beyond the watermark (few) are decided from those rows and
    merged in card order."""
    from app.models import Card, CardActivity

    if not 1 <= months <= 120:
        raise GiftnetError(ErrorCode.invalid_input, N_("Choose between 1 and 120 months."), field="months")
    cutoff = _utc(now or utcnow()) - timedelta(days=30 * months)
    page = max(1, page)
    offset = (page - 1) * page_size
    rollup_fold.ensure_folded(operator_id)
    with rollups.snapshot() as session:
        current = rollups.view(session, operator_id)
        moved = select(LedgerEntry.card_id).where(LedgerEntry.operator_id == operator_id,
                                                  LedgerEntry.id > current.watermark)
        quiet = (CardActivity.operator_id == operator_id, CardActivity.last_activity_at < cutoff,
                 CardActivity.balance_cents > 0, CardActivity.card_id.not_in(moved))
        folded_rows, folded_cents = session.exec(
            select(func.count(CardActivity.card_id), func.coalesce(func.sum(CardActivity.balance_cents), 0)).where(*quiet)
        ).one()
        # Cards with unfolded rows: their last movement is the later of both, their balance the card's.
        recent = session.exec(
            select(LedgerEntry.card_id, func.max(LedgerEntry.created_at)).where(
                LedgerEntry.operator_id == operator_id, LedgerEntry.id > current.watermark).group_by(LedgerEntry.card_id)
        ).all()
        tail_dormant: dict[int, datetime] = {}
        if recent:
            last_folded: dict[int, datetime] = {}
            balances: dict[int, int] = {}
            moved_ids = sorted({int(card_id) for card_id, _latest in recent})
            for first in range(0, len(moved_ids), 500):  # by primary key, not a scan of the operator's cards
                some = moved_ids[first:first + 500]
                last_folded.update(session.exec(select(CardActivity.card_id, CardActivity.last_activity_at).where(
                    CardActivity.card_id.in_(some), CardActivity.operator_id == operator_id)).all())
                balances.update(session.exec(select(Card.id, Card.balance_cents).where(
                    Card.id.in_(some), Card.operator_id == operator_id)).all())
            for card_id, latest in recent:
                latest = max([_utc(latest)] + ([_utc(last_folded[card_id])] if card_id in last_folded else []))
                if latest < cutoff and balances.get(card_id, 0) > 0:
                    tail_dormant[card_id] = latest
        tail_cents = sum(balances[card_id] for card_id in tail_dormant) if tail_dormant else 0
        # This page in card order: folded ids up to offset + size, merged with the few others.
        ids = session.exec(
            select(CardActivity.card_id, CardActivity.last_activity_at).where(*quiet).order_by(CardActivity.card_id)
            .offset(offset if not tail_dormant else 0).limit(page_size if not tail_dormant else offset + page_size)
        ).all()
        merged = sorted([(int(card_id), _utc(last)) for card_id, last in ids] + list(tail_dormant.items()))
        chosen = merged if not tail_dormant else merged[offset:offset + page_size]
        cards = {card.id: card for card in session.exec(
            select(Card).where(Card.operator_id == operator_id, Card.id.in_([card_id for card_id, _ in chosen]))).all()}
    rows = [DormantCard(card_id, cards[card_id].last4, cards[card_id].balance_cents, _utc(cards[card_id].created_at),
                        last) for card_id, last in chosen]
    return Page(rows, int(folded_rows) + len(tail_dormant), page, page_size), int(folded_cents) + tail_cents


def card_history(operator_id: int, card_id: int, page: int = 1, page_size: int = REPORT_PAGE_SIZE) -> Page:
    """One card's ledger, newest first, a page at a time (another operator's card: not found)."""
    from app.models import Card

    page = max(1, page)
    with read_session() as session:
        card = session.get(Card, card_id)
        if card is None or card.operator_id != operator_id:
            raise GiftnetError(ErrorCode.not_found, N_("No card of this network has this number."))
        total_rows = session.exec(select(func.count(LedgerEntry.id)).where(LedgerEntry.card_id == card_id)).one()
        rows = session.exec(
            select(LedgerEntry).where(LedgerEntry.card_id == card_id).order_by(LedgerEntry.id.desc())
            .offset((page - 1) * page_size).limit(page_size)
        ).all()
    return Page(list(rows), int(total_rows), page, page_size)


def _csv(header: list[str], rows: list[list]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def cents_text(amount_cents: int) -> str:
    """Cents as a plain decimal for CSV (1234 -> 12.34, -5 -> -0.05): exact, no float."""
    sign = "-" if amount_cents < 0 else ""
    dollars, cents = divmod(abs(int(amount_cents)), 100)
    return f"{sign}{dollars}.{cents:02d}"


def sales_csv(rows: list[ChannelSales]) -> str:
    body = [[r.channel, r.new_cards, cents_text(r.new_cards_cents), r.topups, cents_text(r.topup_cents)] for r in rows]
    body.append(["total", sum(r.new_cards for r in rows), cents_text(sum(r.new_cards_cents for r in rows)),
                 sum(r.topups for r in rows), cents_text(sum(r.topup_cents for r in rows))])
    return _csv(["channel", "new_cards", "new_cards_value", "topups", "topup_value"], body)


def redeemed_csv(rows: list[RedeemedAt], key_name: str) -> str:
    """Per location (`key_name` "location": one name column) or per device ("device": its code,
    then its location); every column named, counts and amounts both net of voids."""
    by_device = key_name == "device"
    body = [[text_cell(r.key), *([text_cell(r.location)] if by_device else []), r.redemptions,
             cents_text(r.redeemed_cents)] for r in rows]
    body.append(["total", *([""] if by_device else []), sum(r.redemptions for r in rows),
                 cents_text(sum(r.redeemed_cents for r in rows))])
    return _csv([key_name, *(["location"] if by_device else []), "redemptions_net_of_voids", "redeemed_net_of_voids"],
                body)


def aging_csv(rows: list[AgingBucket]) -> str:
    body = [[r.label, r.cards, cents_text(r.unredeemed_cents)] for r in rows]
    body.append(["total", sum(r.cards for r in rows), cents_text(sum(r.unredeemed_cents for r in rows))])
    return _csv(["card_age", "cards", "unredeemed_value"], body)


def dormant_csv(operator_id: int, months: int, now: datetime | None = None) -> str:
    """Every dormant card (read a page at a time), then the total."""
    body, page, total_cents = [], 1, 0
    while True:
        result, total_cents = dormant_cards(operator_id, months, page, 1000, now)
        body += [[c.card_id, c.last4, cents_text(c.balance_cents), c.issued_at.isoformat(), c.last_activity_at.isoformat()]
                 for c in result.rows]
        if page >= result.pages:
            break
        page += 1
    body.append(["total", len(body), cents_text(total_cents), "", ""])
    return _csv(["card_id", "last4", "balance", "issued_at", "last_activity_at"], body)


def card_history_csv(operator_id: int, card_id: int) -> str:
    body, page, total_cents = [], 1, 0
    while True:
        result = card_history(operator_id, card_id, page, 1000)
        total_cents += sum(e.amount_cents for e in result.rows)
        body += [[e.id, e.created_at.isoformat(), e.kind, cents_text(e.amount_cents), cents_text(e.balance_after_cents),
                  e.location_id or "", e.device_id or ""] for e in result.rows]
        if page >= result.pages:
            break
        page += 1
    body.append(["total", "", "", cents_text(total_cents), "", "", ""])
    return _csv(["entry_id", "at", "kind", "amount", "balance_after", "location_id", "device_id"], body)
