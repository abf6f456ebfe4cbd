"""Hourly quotas on emails sent to addresses the caller chose.

Sign-up is open, so without a cap a new account is a spam and phishing relay: a card's
recipient email, a location's activation link and a team invitation all go to an
address the operator typed, with text of their choosing. Each operator may queue at most
`EMAIL_QUOTA_PER_HOUR` such emails in any sliding hour, and only
`EMAIL_QUOTA_PER_HOUR_NEW` during its first `EMAIL_QUOTA_NEW_DAYS` days (a gentler start:
a real network issues its first cards slowly; a relay wants volume at once).

Over quota the action that asks for an email is refused with `rate_limited` (429 with
Retry-After on the API, the same sentence on the screens) before anything is created,
because a person who sends a card or an invitation expects it to arrive: an email held
back silently would be worse than a clear "wait". The one exception is a CSV import of
locations: the locations are imported, as many activation emails as the hour allows are
queued, and the answer says how many were held back (each location's "Send new link"
sends it later).

Emails that follow a payment (a shop order's cards and receipt) or that go to the
operator's own people (statements, summaries, alerts) are not counted: they cost the
sender money or reach only addresses of the network itself.

The count and the new rows are one transaction: on PostgreSQL the operator's row is
locked first (`FOR UPDATE`), on SQLite every writer holds the database's write lock from
BEGIN, so two requests cannot both take the last place.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from app.models import Operator, OutboxMessage
from app.models.base import utcnow
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.settings import get_settings

# The outbox kinds that go to an address the caller typed (money.card_emails.KIND,
# network.device_emails.KIND, access.team.EMAIL_KIND; tests check they match).
COUNTED_KINDS = ("card_recipient", "device_activation", "team_invitation")
WINDOW = timedelta(hours=1)
OVER_QUOTA = N_("This network may send {quota} emails an hour to addresses it chooses (cards, activation links, "
                "invitations), and this would be more. Try again in {minutes} minutes.")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def quota_for(operator: Operator, now: datetime | None = None) -> int:
    """How many counted emails `operator` may queue in one hour now."""
    settings = get_settings()
    now = now or utcnow()
    if _aware(now) - _aware(operator.created_at) < timedelta(days=settings.email_quota_new_days):
        return settings.email_quota_per_hour_new
    return settings.email_quota_per_hour


def _locked_operator(session: Session, operator_id: int) -> Operator:
    return session.exec(select(Operator).where(Operator.id == operator_id).with_for_update()).one()


def _sent_in_window(session: Session, operator_id: int, since: datetime) -> tuple[int, datetime | None]:
    count, oldest = session.exec(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.operator_id == operator_id,
            OutboxMessage.kind.in_(COUNTED_KINDS),
            OutboxMessage.created_at >= since,
        )
    ).one()
    return int(count), oldest


def room(session: Session, operator_id: int) -> int:
    """How many more counted emails the operator may queue now, inside `session`'s
    transaction (which holds the operator's row until it ends)."""
    operator = _locked_operator(session, operator_id)
    now = utcnow()
    sent, _oldest = _sent_in_window(session, operator_id, now - WINDOW)
    return max(0, quota_for(operator, now) - sent)


def take(session: Session, operator_id: int, count: int = 1) -> None:
    """Make room for `count` more counted emails in `session`'s transaction (queue them in
    it), or raise `rate_limited` with the wait until enough room frees up."""
    operator = _locked_operator(session, operator_id)
    now = utcnow()
    quota = quota_for(operator, now)
    sent, oldest = _sent_in_window(session, operator_id, now - WINDOW)
    if sent + count <= quota:
        return
    wait_seconds = int((_aware(oldest) + WINDOW - _aware(now)).total_seconds()) if oldest else int(WINDOW.total_seconds())
    wait_seconds = max(60, wait_seconds)
    raise GiftnetError(ErrorCode.rate_limited, OVER_QUOTA,
                       params={"quota": quota, "minutes": max(1, math.ceil(wait_seconds / 60))},
                       retry_after_seconds=wait_seconds)


def require_room(operator_id: int, count: int = 1) -> None:
    """Refuse (`rate_limited`) before doing anything when `count` more counted emails would
    pass the quota now: a card is not issued only to find its email cannot go. (Two requests
    racing for the last place may both pass; `take`, where the email is queued, decides.)"""
    from app.db import write_session

    with write_session() as session:
        take(session, operator_id, count)
