"""A location's statement for a payout batch: its redemptions (date, card, amount), the
commission and the net, as CSV to download and as an email to the location.

The figures come from the batch's line (what the batch pays), the rows from the
redemptions the batch claimed; refunds the location's POS made after its counter gave
the money back to the card are listed after the gross (the commission is on what is
left); returned payments this line pays again are listed after the commission, and a line the bank returned says so with the reason; a cancelled batch has no statement (its redemptions
went back to payables). Dates are shown in the operator's time zone.

The outbox sends no attachments, so the email carries the statement as an HTML table
and a plain-text table; the CSV is what the operator downloads (API and dashboard).
"""

from __future__ import annotations

import csv
import html
import io
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import Card, Location, Operator, OutboxMessage, PayoutBatch, PayoutLine, Redemption
from app.models.payout import PayoutStatus
from app.services.core import i18n
from app.services.core.actor import Actor
from app.services.core.codes import mask
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import require_owner
from app.services.messaging import outbox
from app.services.network import locations
from app.services.settlement import payout_refunds, payout_returns


@dataclass(frozen=True)
class StatementRow:
    redemption_id: int
    redeemed_at: datetime  # in the operator's zone
    card_last4: str
    amount_cents: int


@dataclass(frozen=True)
class CarriedReturn:
    """A returned payment of an earlier batch, paid again in this statement's line."""

    batch_id: int
    net_cents: int
    reason: str  # "R03 No account, or the account could not be found"

    @property
    def label(self) -> str:
        return self.label_in("en")

    def label_in(self, lang: str | None) -> str:
        return i18n.translate("Paid again: payout #{batch} came back ({reason})", lang, batch=self.batch_id,
                              reason=self.reason)


@dataclass(frozen=True)
class Statement:
    operator_name: str
    currency: str
    batch_id: int
    batch_status: str
    period_from: datetime | None  # in the operator's zone
    period_through: datetime
    effective_date: date | None
    paid_at: datetime | None
    location_id: int
    location_name: str
    location_email: str
    rows: list[StatementRow]
    gross_cents: int
    commission_bps: int
    commission_cents: int
    net_cents: int
    bank_summary: str
    carried: list[CarriedReturn] = field(default_factory=list)
    returned_reason: str | None = None  # the bank gave this payment back: "R03 No account..."
    refunded_cents: int = 0  # refunds given back to cards, deducted from this line
    refunds: list[payout_refunds.DeductedRefund] = field(default_factory=list)
    language: str = "en"  # the network's: the statement email is written in it

    @property
    def returned_label(self) -> str:
        return self.returned_label_in("en")

    def returned_label_in(self, lang: str | None) -> str:
        if not self.returned_reason:
            return ""
        return i18n.translate("Came back from the bank ({reason}); owed to you again", lang,
                              reason=self.returned_reason)

    @property
    def filename(self) -> str:
        return f"statement-payout-{self.batch_id}-location-{self.location_id}.csv"

    @property
    def commission_label(self) -> str:
        return self.commission_label_in("en")

    def commission_label_in(self, lang: str | None) -> str:
        rate = f"{self.commission_bps / 100:.2f}"
        return i18n.translate("Commission ({rate} %)", lang, rate=rate if lang != "fr" else rate.replace(".", ","))

    def csv(self) -> str:
        """One row per redemption (date, time, redemption, card last 4, amount in dollars),
        then the gross, the commission and the net. The header's column names are the same in
        every language (a machine reads them); the total rows are in the network's language."""
        _ = i18n.translator(self.language)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["date", "time", "redemption_id", "card_last4", "amount"])
        for row in self.rows:
            writer.writerow([f"{row.redeemed_at:%Y-%m-%d}", f"{row.redeemed_at:%H:%M}", row.redemption_id,
                             row.card_last4, _dollars(row.amount_cents)])
        writer.writerow([])
        writer.writerow([_("Gross"), "", "", "", _dollars(self.gross_cents)])
        for refund in self.refunds:
            writer.writerow([refund.label_in(self.language), "", refund.redemption_id, refund.card_last4,
                             _dollars(-refund.deducted_cents)])
        writer.writerow([self.commission_label_in(self.language), "", "", "", _dollars(-self.commission_cents)])
        for carried in self.carried:
            writer.writerow([carried.label_in(self.language), "", "", "", _dollars(carried.net_cents)])
        writer.writerow([_("Net paid"), "", "", "", _dollars(self.net_cents)])
        if self.returned_reason:
            writer.writerow([self.returned_label_in(self.language), "", "", "", _dollars(self.net_cents)])
        return buffer.getvalue()


def _dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _statement(session: Session, operator: Operator, batch: PayoutBatch, location_id: int) -> Statement:
    if batch.status == PayoutStatus.cancelled:
        raise GiftnetError(ErrorCode.conflict, N_("This payout batch was cancelled; it has no statements."))
    found = session.exec(
        select(PayoutLine, Location)
        .join(Location, Location.id == PayoutLine.location_id)
        .where(PayoutLine.batch_id == batch.id, PayoutLine.location_id == location_id,
               PayoutLine.operator_id == operator.id)
    ).first()
    if found is None:
        raise GiftnetError(ErrorCode.not_found, N_("This location is not paid in this payout batch."),
                           field="location_id")
    line, location = found
    zone = zoneinfo.ZoneInfo(operator.timezone)
    rows = [
        StatementRow(redemption_id=redemption_id, redeemed_at=created_at.astimezone(zone), card_last4=last4,
                     amount_cents=amount)
        for redemption_id, created_at, last4, amount in session.exec(
            select(Redemption.id, Redemption.created_at, Card.last4, Redemption.amount_cents)
            .join(Card, Card.id == Redemption.card_id)
            .where(Redemption.payout_batch_id == batch.id, Redemption.location_id == location_id,
                   Redemption.operator_id == operator.id)
            .order_by(Redemption.created_at, Redemption.id)
        ).all()
    ]
    return Statement(
        operator_name=operator.name, currency=operator.currency, batch_id=batch.id, batch_status=batch.status,
        period_from=batch.period_from.astimezone(zone) if batch.period_from else None,
        period_through=batch.period_through.astimezone(zone), effective_date=batch.effective_date,
        paid_at=batch.paid_at.astimezone(zone) if batch.paid_at else None,
        location_id=location.id, location_name=location.name, location_email=location.email, rows=rows,
        gross_cents=line.gross_cents, commission_bps=line.commission_bps, commission_cents=line.commission_cents,
        net_cents=line.net_cents, refunded_cents=line.refunded_cents,
        refunds=payout_refunds.deducted_in_line(session, line), bank_summary=locations.bank_summary(line),  # the batch's snapshot of the details
        language=operator.default_language,
        carried=[CarriedReturn(batch_id=carried.batch_id, net_cents=carried.net_cents,
                               reason=f"{carried.reason_code} {carried.reason}")
                 for carried in payout_returns.carried_into(session, operator.id, batch.id, location_id)],
        returned_reason=(f"{returned.reason_code} {returned.reason}" if (returned := payout_returns.returns_of_lines(
            session, operator.id, [line.id]).get(line.id)) else None),
    )


def _batch(session: Session, operator_id: int, batch_id: int) -> tuple[Operator, PayoutBatch]:
    operator = session.get(Operator, operator_id)
    batch = session.exec(
        select(PayoutBatch).where(PayoutBatch.id == batch_id, PayoutBatch.operator_id == operator_id)
        .execution_options(populate_existing=True)
    ).first()
    if operator is None or batch is None:
        raise GiftnetError(ErrorCode.not_found, N_("No such payout batch."))
    return operator, batch


def location_statement(operator_id: int, batch_id: int, location_id: int) -> Statement:
    """The statement of one location in one of the operator's batches (draft, exported or
    paid); `.csv()` gives the download and `.filename` its name."""
    with read_session() as session:
        operator, batch = _batch(session, operator_id, batch_id)
        return _statement(session, operator, batch, location_id)


def compose_statement_email(statement: Statement, lang: str | None = None) -> tuple[str, str, str]:
    """(subject, text, html) of the statement email to the location, in `lang` (the network's
    language), its amounts written the language's way."""
    lang = i18n.normalize(lang or statement.language)
    _ = i18n.translator(lang)
    currency = statement.currency

    def money(cents: int, with_currency: bool = True) -> str:
        return i18n.format_money(cents, currency if with_currency else None, lang)

    subject = _("{network}: gift card payout #{batch}, {net}", network=statement.operator_name,
                batch=statement.batch_id, net=money(statement.net_cents))
    through = f"{statement.period_through:%Y-%m-%d %H:%M}"
    period = (_("{start} to {end}", start=f"{statement.period_from:%Y-%m-%d}", end=through) if statement.period_from
              else _("up to {end}", end=through))
    paid = (_("Paid on {day}", day=f"{statement.paid_at:%Y-%m-%d}") if statement.paid_at
            else _("Status: {status}", status=_(statement.batch_status)))
    if statement.effective_date:
        paid += _(", funds expected {day}", day=f"{statement.effective_date:%Y-%m-%d}")
    paid += _(", to {bank}.", bank=statement.bank_summary)
    count = len(statement.rows)
    gross_label = _("Gross ({count} redemptions)", count=count)
    refund_labels = [refund.label_in(lang) for refund in statement.refunds]
    commission_label = statement.commission_label_in(lang)
    carried_labels = [carried.label_in(lang) for carried in statement.carried]
    net_label = _("Net paid")
    returned_label = statement.returned_label_in(lang)
    date_head, redemption_head, card_head, amount_head = _("Date"), _("Redemption"), _("Card"), _("Amount")
    text_lines = [
        _("Hello {location},", location=statement.location_name),
        "",
        _("{network} pays you for the gift cards redeemed at your business {period} (payout #{batch}). {paid}",
          network=statement.operator_name, period=period, batch=statement.batch_id, paid=paid),
        "",
        f"{date_head:<17} {redemption_head:>10}  {card_head:<9} {amount_head:>12}",
    ]
    text_lines += [f"{row.redeemed_at:%Y-%m-%d %H:%M}  {row.redemption_id:>10}  {mask(row.card_last4):<9} "
                   f"{money(row.amount_cents, False):>12}" for row in statement.rows]
    text_lines += [
        "",
        f"{gross_label}: {money(statement.gross_cents)}",
        *[f"{label}: -{money(refund.deducted_cents)}" for label, refund in zip(refund_labels, statement.refunds)],
        f"{commission_label}: -{money(statement.commission_cents)}",
        *[f"{label}: {money(carried.net_cents)}" for label, carried in zip(carried_labels, statement.carried)],
        f"{net_label}: {money(statement.net_cents)}",
        *([returned_label] if returned_label else []),
    ]
    cell = "padding:4px 8px;border-bottom:1px solid #ddd"
    rows = "".join(
        f"<tr><td style='{cell}'>{row.redeemed_at:%Y-%m-%d %H:%M}</td><td style='{cell}'>#{row.redemption_id}</td>"
        f"<td style='{cell}'>{html.escape(mask(row.card_last4))}</td>"
        f"<td style='{cell};text-align:right'>{html.escape(money(row.amount_cents, False))}</td></tr>"
        for row in statement.rows
    )

    def total(label: str, amount: str, bold: bool = False) -> str:
        wrap = (lambda text: f"<strong>{text}</strong>") if bold else (lambda text: text)
        return (f"<tr><td colspan='3' style='{cell}'>{wrap(html.escape(label))}</td>"
                f"<td style='{cell};text-align:right'>{wrap(html.escape(amount))}</td></tr>")

    heading = _("Payout #{batch} from {network}", batch=statement.batch_id, network=statement.operator_name)
    intro = _("Hello {location}, here are the gift cards redeemed at your business {period}.",
              location=statement.location_name, period=period)
    html_body = (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'></head><body>"
        "<div style='font-family:sans-serif;max-width:640px'>"
        f"<h2>{html.escape(heading)}</h2>"
        f"<p>{html.escape(intro)} {html.escape(paid)}</p>"
        "<table style='width:100%;border-collapse:collapse'>"
        f"<tr><th style='{cell};text-align:left'>{html.escape(date_head)}</th>"
        f"<th style='{cell};text-align:left'>{html.escape(redemption_head)}</th>"
        f"<th style='{cell};text-align:left'>{html.escape(card_head)}</th>"
        f"<th style='{cell};text-align:right'>{html.escape(amount_head)}</th></tr>"
        f"{rows}"
        + total(gross_label, money(statement.gross_cents))
        + "".join(total(label, "-" + money(refund.deducted_cents))
                  for label, refund in zip(refund_labels, statement.refunds))
        + total(commission_label, "-" + money(statement.commission_cents))
        + "".join(total(label, money(carried.net_cents)) for label, carried in zip(carried_labels, statement.carried))
        + total(net_label, money(statement.net_cents), bold=True)
        + (total(returned_label, money(statement.net_cents)) if returned_label else "")
        + "</table></div></body></html>"
    )
    return subject, "\n".join(text_lines), html_body


# A batch's statuses, as a statement says them ("Status: exported").
BATCH_STATUS_WORDS = (N_("draft"), N_("exported"), N_("paid"), N_("cancelled"))


def _queue(session: Session, statement: Statement, operator_id: int) -> OutboxMessage:
    subject, text_body, html_body = compose_statement_email(statement)
    return outbox.queue_email(session, kind="payout_statement", to_address=statement.location_email,
                              subject=subject, text_body=text_body, html_body=html_body, operator_id=operator_id)


def _require_paid(batch: PayoutBatch) -> None:
    if batch.status != PayoutStatus.paid:
        raise GiftnetError(ErrorCode.conflict,
                           N_("Statements are emailed once the batch is paid; mark it paid first."))


def queue_statement_emails(session: Session, batch: PayoutBatch) -> int:
    """Inside the caller's transaction (marking the batch paid): one statement email per line."""
    operator = session.get(Operator, batch.operator_id)
    _require_paid(batch)
    location_ids = session.exec(
        select(PayoutLine.location_id).where(PayoutLine.batch_id == batch.id).order_by(PayoutLine.id)
    ).all()
    for location_id in location_ids:
        _queue(session, _statement(session, operator, batch, location_id), operator.id)
    return len(location_ids)


def email_statement(actor: Actor, batch_id: int, location_id: int) -> OutboxMessage:
    """Queue the location's statement for a paid batch to the location's email.
    Refuses `conflict` for a batch not paid yet, `not_found` for a location not in it,
    `forbidden` for anyone but an owner."""
    require_owner(actor, "send payout statements")
    with write_session() as session:
        operator, batch = _batch(session, actor.operator_id, batch_id)
        _require_paid(batch)
        return _queue(session, _statement(session, operator, batch, location_id), operator.id)


def email_statements(actor: Actor, batch_id: int) -> int:
    """Queue every location's statement for a paid batch; returns how many were queued. Owners only."""
    require_owner(actor, "send payout statements")
    with write_session() as session:
        _operator, batch = _batch(session, actor.operator_id, batch_id)
        return queue_statement_emails(session, batch)


__all__ = [
    "CarriedReturn",
    "Statement",
    "StatementRow",
    "compose_statement_email",
    "email_statement",
    "email_statements",
    "location_statement",
    "queue_statement_emails",
]
