"""A location's POS payments, newest first, a page at a time: what `GET
/locations/{id}/pos-payments` answers and the location's POS screen lists."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from app.db import read_session
from app.models import Location, PosPayment
from app.models.redemption import POS_PAYMENT_STATUSES, PosPaymentSource
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.paging import id_page
from app.services.core.rows import owned_row

MAX_PAGE = 100


@dataclass(frozen=True)
class PosPaymentPage:
    payments: list[PosPayment]
    next_cursor: int | None


def _moment(raw: str | None, timezone: str, *, field: str, end_of_day: bool) -> datetime | None:
    """A UTC moment from ISO text: a date alone is that day in the operator's zone (its start,
    or with `end_of_day` the start of the next day); a time without a zone is UTC."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=1 if end_of_day else 0), time.min,
                                      zoneinfo.ZoneInfo(timezone))
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise GiftnetError(ErrorCode.invalid_input, N_("{field} is a date (2026-11-28) or an ISO time (2026-11-28T14:30:00Z)."), field=field, params={"field": field}) from error
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def list_pos_payments(operator_id: int, location_id: int, *, status: str | None = None, date_from: str | None = None,
                      date_to: str | None = None, limit: int = 50, cursor: int | None = None) -> PosPaymentPage:
    """The location's POS payments newest first, from every source (`api`, `square`, `clover`,
    `shopify`), filtered by `status` and by creation time (`date_from` included, `date_to`
    excluded; a date alone is the operator's whole day). The setup guide's test payments are
    not payments and are left out. Another operator's location: not found."""
    if status is not None and status not in POS_PAYMENT_STATUSES:
        raise GiftnetError(ErrorCode.invalid_input, N_("status is one of {join}."),
                           field="status", params={"join": ', '.join(POS_PAYMENT_STATUSES)})
    if not 1 <= limit <= MAX_PAGE:
        raise GiftnetError(ErrorCode.invalid_input, N_("limit is 1 to {max_page}."), field="limit", params={"max_page": MAX_PAGE})
    with read_session() as session:
        owned_row(session, Location, location_id, operator_id, missing=N_("No such location."))
        timezone = operator_or_404(session, operator_id).timezone
    start = _moment(date_from, timezone, field="from", end_of_day=False)
    end = _moment(date_to, timezone, field="to", end_of_day=True)
    statement = select(PosPayment).where(PosPayment.operator_id == operator_id, PosPayment.location_id == location_id,
                                         PosPayment.source != PosPaymentSource.test)
    if status is not None:
        statement = statement.where(PosPayment.status == status)
    if start is not None:
        statement = statement.where(PosPayment.created_at >= start)
    if end is not None:
        statement = statement.where(PosPayment.created_at < end)
    rows, next_cursor = id_page(statement, PosPayment, limit=limit, cursor=cursor)
    return PosPaymentPage(payments=rows, next_cursor=next_cursor)
