"""The owners' daily summary email: yesterday's sales, top-ups and redemptions, and the
outstanding liability, every morning for the networks that turned it on (Settings).

Sent once per operator and local day, however many workers run the job: a worker
claims the operator's row (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's write
lock) and moves `last_sent_for` to the day with a conditional UPDATE, in the same
transaction that queues the emails in the outbox. A worker that loses the race finds
the day already claimed and queues nothing; the outbox then sends each email once.
"""

from __future__ import annotations

import asyncio
import html
import logging
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import DailySummary, Operator, User
from app.models.base import utcnow
from app.services.core import audit, i18n
from app.services.core.actor import Actor
from app.services.core.roles import require_owner
from app.services.messaging import outbox
from app.services.reporting import dashboard_figures

log = logging.getLogger(__name__)
SEND_FROM_HOUR = 6  # local time: yesterday's summary goes out from 06:00 in the operator's zone
POLL_SECONDS = 60.0


@dataclass(frozen=True)
class SummaryFigures:
    day: date
    sold_count: int
    sold_cents: int
    topup_count: int
    topup_cents: int
    redemption_count: int
    redeemed_cents: int
    active_cards: int
    outstanding_cents: int


def is_enabled(operator_id: int) -> bool:
    with read_session() as session:
        row = session.get(DailySummary, operator_id)
    return bool(row and row.enabled)


def set_enabled(actor: Actor, enabled: bool) -> bool:
    """Turn the operator's daily summary on or off (owners only). Turned on today, the
    first email covers today and goes out tomorrow morning: never a backlog of old days."""
    require_owner(actor, "change the daily summary email")
    with read_session() as session:
        timezone = session.get(Operator, actor.operator_id).timezone
    with write_session() as session:
        row = session.get(DailySummary, actor.operator_id, with_for_update=True)
        if row is None:
            row = DailySummary(operator_id=actor.operator_id)
        if enabled and not row.enabled:
            yesterday = dashboard_figures.local_today(timezone) - timedelta(days=1)
            row.last_sent_for = max(row.last_sent_for or yesterday, yesterday)
        if bool(row.enabled) != bool(enabled):
            audit.record(session, actor, "settings.changed", target_type="operator", target_id=actor.operator_id,
                         summary=f"Daily summary email turned {'on' if enabled else 'off'}",
                         changes={"daily_summary": [bool(row.enabled), bool(enabled)]})
        row.enabled = bool(enabled)
        row.updated_at = utcnow()
        session.add(row)
    return bool(enabled)


def due_day(timezone: str, now: datetime) -> date | None:
    """The local day whose summary is due at `now`: yesterday, once it is SEND_FROM_HOUR."""
    local_now = now.astimezone(zoneinfo.ZoneInfo(timezone))
    if local_now.hour < SEND_FROM_HOUR:
        return None
    return local_now.date() - timedelta(days=1)


def figures_for(operator_id: int, day: date, timezone: str) -> SummaryFigures:
    period = dashboard_figures.period_figures(operator_id, *dashboard_figures.days_period(day, day, timezone))
    standing = dashboard_figures.standing(operator_id)
    return SummaryFigures(
        day=day, sold_count=period.sold_count, sold_cents=period.sold_cents, topup_count=period.topup_count,
        topup_cents=period.topup_cents, redemption_count=period.redemption_count,
        redeemed_cents=period.redeemed_cents, active_cards=standing.active_cards,
        outstanding_cents=standing.outstanding_cents,
    )


def compose(operator_name: str, currency: str, figures: SummaryFigures, lang: str | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of one summary email, in `lang` (the owner's language)."""
    lang = i18n.normalize(lang)
    _ = i18n.translator(lang)

    def money(cents: int) -> str:
        return i18n.format_money(cents, currency, lang)

    def count(value: int) -> str:
        return i18n.format_number(value, lang)

    day = (f"{figures.day:%A %B} {figures.day.day}, {figures.day.year}" if lang == "en"
           else i18n.format_date(figures.day, lang, "full"))
    lines = [
        (_("Cards sold"), count(figures.sold_count), money(figures.sold_cents)),
        (_("Top-ups"), count(figures.topup_count), money(figures.topup_cents)),
        (_("Redemptions (net of voids)"), count(figures.redemption_count), money(figures.redeemed_cents)),
        (_("Outstanding liability now"), _("{count} cards", count=count(figures.active_cards)),
         money(figures.outstanding_cents)),
    ]
    subject = _("{network}: {day}, {sold} sold, {redeemed} redeemed", network=operator_name,
                day=f"{figures.day:%Y-%m-%d}", sold=money(figures.sold_cents), redeemed=money(figures.redeemed_cents))
    why = _("You receive this because daily summaries are on in Settings; turn them off there.")
    text = "\n".join([f"{operator_name}, {day}", ""] + [f"{label}: {number}, {amount}" for label, number, amount in lines]
                     + ["", why])
    cell = "padding:6px 10px;border-bottom:1px solid #ddd"
    rows = "".join(f"<tr><td style='{cell}'>{html.escape(label)}</td><td style='{cell};text-align:right'>{html.escape(number)}</td>"
                   f"<td style='{cell};text-align:right'>{html.escape(amount)}</td></tr>" for label, number, amount in lines)
    html_body = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'></head><body>"
                 f"<div style='font-family:sans-serif;max-width:560px'><h2>{html.escape(operator_name)}</h2>"
                 f"<p>{html.escape(day)}</p><table style='border-collapse:collapse;width:100%'>{rows}</table>"
                 f"<p style='color:#666;font-size:13px'>{html.escape(why)}</p></div></body></html>")
    return subject, text, html_body


def _claim_and_queue(operator_id: int, day: date, now: datetime) -> int:
    """Claim the operator's summary of `day` and queue its emails; 0 when another worker has it."""
    not_yet = (DailySummary.operator_id == operator_id) & DailySummary.enabled.is_(True) & or_(
        DailySummary.last_sent_for.is_(None), DailySummary.last_sent_for < day)
    with write_session() as session:
        candidate = select(DailySummary.operator_id).where(not_yet)
        if session.get_bind().dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        if session.exec(candidate).first() is None:
            return 0
        if session.execute(update(DailySummary).where(not_yet)
                           .values(last_sent_for=day, updated_at=now)).rowcount != 1:
            return 0
        return _queue_emails(session, operator_id, day)


def _queue_emails(session: Session, operator_id: int, day: date) -> int:
    operator = session.get(Operator, operator_id)
    owners = session.exec(select(User.email, User.language).where(User.operator_id == operator_id, User.role == "owner")
                          .order_by(User.id)).all()
    figures = figures_for(operator_id, day, operator.timezone)
    written = {}  # each owner reads it in their own language (else the network's)
    for email, language in owners:
        lang = i18n.normalize(language or operator.default_language)
        if lang not in written:
            written[lang] = compose(operator.name, operator.currency, figures, lang)
        subject, text, html_body = written[lang]
        outbox.queue_email(session, kind="daily_summary", to_address=email, subject=subject, text_body=text,
                           html_body=html_body, operator_id=operator_id)
    return len(owners)


def send_due(now: datetime | None = None) -> int:
    """One pass: queue the summaries that are due; returns how many emails were queued."""
    now = now or utcnow()
    with read_session() as session:
        rows = session.exec(
            select(DailySummary.operator_id, DailySummary.last_sent_for, Operator.timezone)
            .join(Operator, Operator.id == DailySummary.operator_id)
            .where(DailySummary.enabled.is_(True))
        ).all()
    queued = 0
    for operator_id, last_sent_for, timezone in rows:
        day = due_day(timezone, now)
        if day is not None and (last_sent_for is None or last_sent_for < day):
            queued += _claim_and_queue(operator_id, day, now)
    return queued


async def send_forever(poll_seconds: float = POLL_SECONDS) -> None:
    """The background job: every minute, queue what is due (the outbox sends it)."""
    while True:
        try:
            queued = await asyncio.to_thread(send_due)
            if queued:
                log.info("daily summaries: %s emails queued", queued)
        except Exception:  # a failed pass must not stop the next ones
            log.exception("daily summary pass failed")
        await asyncio.sleep(poll_seconds)
