"""The recipient email of a card (code, card page link, QR code of that link), sent again
for one card or for many (the Cards screen's bulk resend), and the card link's rotation.

Rules this module keeps:
- the first email of a card is queued once: asking again (a retried API call, a
  double click) returns the message already queued; `resend_recipient_email`
  is the deliberate way to send another;
- every piece of text a person typed (operator, sender, recipient names, the
  message) is HTML-escaped before it enters the HTML part;
- rotating the link makes the old one stop working at once and withdraws queued
  emails that still carry it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations.mail import Attachment, InlineImage
from app.integrations.qr import qr_png
from app.models import Card, Operator, OutboxMessage
from app.models.base import utcnow
from app.models.outbox import OutboxStatus
from app.services.core import audit, codes, crypto, events, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.messaging import outbox
from app.services.messaging.email_html import ACCENT, ComposedEmail, email_page
from app.services.money.card_page import card_link, where_card_can_be_used
from app.services.money.cards import (
    BULK_ACTIONS,
    BulkOutcome,
    bulk_ids,
    freeze_cards,
    record_bulk_audit,
    unfreeze_cards,
)

KIND = "card_recipient"
QR_CID = "card-qr"
ROTATED_REASON = "Not sent: the card link was rotated before it went out. Resend to send the new link."


@dataclass(frozen=True)
class RecipientEmail(ComposedEmail):
    qr_png: bytes  # sent inline as QR_CID: the card link, to show at the counter


def _clean(text: str | None) -> str:
    return (text or "").strip()


def compose_recipient_email(
    *,
    operator_name: str,
    amount_cents: int,
    balance_cents: int,
    currency: str,
    code: str,
    link: str,
    sender_name: str | None = None,
    recipient_name: str | None = None,
    message: str | None = None,
    lang: str | None = None,
) -> RecipientEmail:
    """The email a card's recipient receives: plain text and HTML saying the same, in
    `lang` (`en` / `fr`: the card's language), its amounts written the language's way."""
    operator_name, sender_name, recipient_name, message = map(
        _clean, (operator_name, sender_name, recipient_name, message)
    )
    lang = i18n.normalize(lang)
    _ = i18n.translator(lang)
    amount = i18n.format_money(amount_cents, currency, lang)
    formatted_code = codes.format_code(code)
    giver = " ".join(sender_name.split()) or operator_name
    subject = _("{giver} sent you a {amount} gift card", giver=giver, amount=amount)
    where = where_card_can_be_used(operator_name, lang=lang)
    balance_line = (
        _("Balance today: {balance}", balance=i18n.format_money(balance_cents, currency, lang))
        if balance_cents != amount_cents else ""
    )
    received = (_("You received a {amount} gift card from {sender}.", amount=amount, sender=sender_name)
                if sender_name else _("You received a {amount} gift card.", amount=amount))

    text_lines = [operator_name, ""]
    if recipient_name:
        text_lines += [_("Hi {name},", name=recipient_name), ""]
    text_lines.append(received)
    if message:
        text_lines += ["", message, f"-- {sender_name}" if sender_name else ""]
    text_lines += ["", _("Your card code: {code}", code=formatted_code)]
    if balance_line:
        text_lines.append(balance_line)
    keep_safe = _("Keep this email safe: anyone who has the code can spend the card.")
    text_lines += [
        "",
        _("See your balance, and the QR code to show at the counter:"),
        link,
        "",
        where,
        keep_safe,
    ]
    text_body = "\n".join(line for line in _drop_double_blanks(text_lines)) + "\n"

    esc = html.escape
    message_html = ""
    if message:
        signature = f'<p style="margin:8px 0 0;color:#555;">&mdash; {esc(sender_name)}</p>' if sender_name else ""
        message_html = (
            f'<div style="margin:20px 0;padding:16px 20px;background:#f0fdfa;border-left:4px solid {ACCENT};'
            'border-radius:6px;font-size:17px;line-height:1.5;">'
            f"{esc(message).replace(chr(10), '<br>')}{signature}</div>"
        )
    heading = (_("Hi {name}, you received a {amount} gift card", name=recipient_name, amount=amount)
               if recipient_name else _("You received a {amount} gift card", amount=amount))
    from_line = esc(_("From {sender}", sender="\0")).replace("\0", f"<strong>{esc(sender_name)}</strong>")
    code_label, see_card = _("Your card code"), _("See your card")
    show_qr, qr_alt = _("Or show this QR code at the counter:"), _("QR code of your card link")
    button_fallback = _("If the button does not work, open")
    html_body = email_page(subject, operator_name, f"""<h1 style="margin:8px 0 16px;font-size:26px;line-height:1.3;">{esc(heading)}</h1>
{f'<p style="margin:0;font-size:17px;">{from_line}</p>' if sender_name else ""}
{message_html}
<p style="margin:24px 0 4px;font-size:15px;color:#555;">{esc(code_label)}</p>
<p style="margin:0;font-family:'Courier New',Courier,monospace;font-size:26px;font-weight:bold;letter-spacing:2px;">{esc(formatted_code)}</p>
{f'<p style="margin:8px 0 0;font-size:15px;">{esc(balance_line)}</p>' if balance_line else ""}
<p style="margin:28px 0;"><a href="{esc(link)}" style="display:inline-block;background:{ACCENT};color:#ffffff;padding:14px 28px;border-radius:8px;font-size:18px;font-weight:bold;text-decoration:none;">{esc(see_card)}</a></p>
<p style="margin:0 0 8px;font-size:15px;">{esc(show_qr)}</p>
<img src="cid:{QR_CID}" width="200" height="200" alt="{esc(qr_alt)}" style="display:block;border:0;">
<p style="margin:24px 0 0;font-size:15px;">{esc(where)}</p>
<p style="margin:16px 0 0;font-size:13px;color:#555;">{esc(keep_safe)}
{esc(button_fallback)} <a href="{esc(link)}" style="color:{ACCENT};">{esc(link)}</a></p>""", lang)
    return RecipientEmail(subject=subject, text_body=text_body, html_body=html_body, qr_png=qr_png(link))


def _drop_double_blanks(lines: list[str]) -> list[str]:
    kept: list[str] = []
    for line in lines:
        if line == "" and kept and kept[-1] == "":
            continue
        kept.append(line)
    return kept


def _locked_card(session: Session, operator_id: int, card_id: int) -> Card:
    """The operator's card, row-locked on PostgreSQL (SQLite's write transaction already is exclusive)."""
    card = session.exec(
        select(Card).where(Card.id == card_id, Card.operator_id == operator_id).with_for_update()
    ).first()
    if card is None:
        raise GiftnetError(ErrorCode.card_not_found, N_("No such card."))
    return card


def compose_for_card(session: Session, card: Card) -> RecipientEmail:
    """The card's recipient email as it would be queued now (its code and link decrypted).
    Refuses (`invalid_input`) a card whose code can no longer be decrypted."""
    operator = session.get(Operator, card.operator_id)
    code = crypto.decrypt(card.code_encrypted)
    link_token = crypto.decrypt(card.link_token_encrypted)
    if code is None or link_token is None:
        raise GiftnetError(
            ErrorCode.invalid_input, N_("This card's code can no longer be read (the server's secret key changed).")
        )
    return compose_recipient_email(
        operator_name=operator.name,
        amount_cents=card.initial_amount_cents,
        balance_cents=card.balance_cents,
        currency=card.currency,
        code=code,
        link=card_link(link_token),
        sender_name=card.sender_name,
        recipient_name=card.recipient_name,
        message=card.message,
        lang=card.language,
    )


def _queue(session: Session, card: Card, email: RecipientEmail | None = None,
           attachments: tuple[Attachment, ...] = ()) -> OutboxMessage:
    email = email or compose_for_card(session, card)
    return outbox.queue_composed(
        session,
        email,
        kind=KIND,
        operator_id=card.operator_id,
        card_id=card.id,
        to_address=card.recipient_email,
        inline_images=(InlineImage(cid=QR_CID, content_type="image/png", data=email.qr_png),),
        attachments=attachments,
    )


def queue_recipient_email(operator_id: int, card_id: int, *,
                          attachments: tuple[Attachment, ...] = ()) -> OutboxMessage | None:
    """Queue the card's recipient email (with `attachments`, such as the printable card made
    by app/services/printing); None when the card has no recipient email.

    Once per card: when one was already queued (or sent), that message is returned
    and nothing new is queued. Raises `card_not_found` for another operator's card.
    """
    with write_session() as session:
        card = _locked_card(session, operator_id, card_id)
        if not card.recipient_email:
            return None
        existing = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.card_id == card.id, OutboxMessage.kind == KIND)
            .order_by(OutboxMessage.id)
            .limit(1)
        ).first()
        if existing is not None:
            return existing
        return _queue(session, card, attachments=attachments)


def queue_recipient_email_within(session: Session, card: Card,
                                 email: RecipientEmail | None = None) -> OutboxMessage | None:
    """Queue a new card's recipient email inside the caller's transaction (a paid shop
    order queues its cards' emails in the transaction that issues them). `email`: one
    composed beforehand by `compose_for_card` for this card as it still is."""
    if not card.recipient_email:
        return None
    return _queue(session, card, email)


def resend_recipient_email(operator_id: int, card_id: int) -> OutboxMessage:
    """Queue the recipient email again, with the card's current link and balance.

    Refuses (`invalid_input`) a card that has no recipient email.
    """
    with write_session() as session:
        card = _locked_card(session, operator_id, card_id)
        if not card.recipient_email:
            raise GiftnetError(
                ErrorCode.invalid_input, N_("This card has no recipient email to send to."), field="recipient_email"
            )
        return _queue(session, card)


def rotate_card_link(actor: Actor, card_id: int) -> str:
    """Give the card a new link token and return it. The old link (and its QR code)
    stops working at once; queued emails still carrying it are withdrawn."""
    link_token = codes.new_link_token()
    with write_session() as session:
        card = _locked_card(session, actor.operator_id, card_id)
        card.link_token_hash = codes.hash_link_token(link_token)
        card.link_token_encrypted = crypto.encrypt(link_token)
        card.updated_at = utcnow()
        session.add(card)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.card_id == card.id, OutboxMessage.kind == KIND,
                   OutboxMessage.status == OutboxStatus.queued)
            .values(status=OutboxStatus.failed, last_error=ROTATED_REASON)
        )
        last4 = card.last4
        audit.record(session, actor, "card.link_rotated", target_type="card", target_id=card.id,
                     summary=f"Card …{last4}: new link, the old one (and its QR code) stops working")
    events.publish(events.Event(actor.operator_id, "card.link_rotated", {"card_id": card_id, "last4": last4}))
    return link_token


def _email_inputs(card: Card) -> tuple:
    """What a composed email depends on: composed before the lock, it is used only if these held."""
    return (card.recipient_email, card.link_token_encrypted, card.code_encrypted, card.balance_cents,
            card.recipient_name, card.sender_name, card.message)


def resend_card_emails(actor: Actor, card_ids: Iterable[int]) -> BulkOutcome:
    """Queue the recipient email again (through the outbox) for each of the operator's
    cards among `card_ids`, in one transaction; cards without a recipient email are
    skipped and counted in `without_email`.

    The emails (each with its QR code, tens of ms of CPU) are composed before the write
    transaction, so that it stays short: on SQLite it holds the database's one writer."""
    ids = bulk_ids(card_ids)
    composed: dict[int, tuple[tuple, RecipientEmail]] = {}
    with read_session() as session:
        for card in session.exec(select(Card).where(Card.operator_id == actor.operator_id, Card.id.in_(ids))).all():
            if card.recipient_email:
                try:
                    composed[card.id] = (_email_inputs(card), compose_for_card(session, card))
                except GiftnetError:  # its code cannot be decrypted: counted below
                    pass
    emailed, without_email, unreadable = [], 0, 0
    with write_session() as session:
        found = list(session.exec(
            select(Card).where(Card.operator_id == actor.operator_id, Card.id.in_(ids))
            .order_by(Card.id).with_for_update()
        ).all())
        for card in found:
            if not card.recipient_email:
                without_email += 1
                continue
            inputs, email = composed.get(card.id, (None, None))
            try:
                # Changed since it was composed (a rotated link, a redemption): composed again, locked.
                fresh = email if inputs == _email_inputs(card) else compose_for_card(session, card)
                queue_recipient_email_within(session, card, fresh)
            except GiftnetError:  # its code cannot be decrypted: nothing was written for it
                unreadable += 1
                continue
            emailed.append(card.id)
        outcome = BulkOutcome(action="resend_email", requested=len(ids), changed_ids=emailed,
                              without_email=without_email, unreadable=unreadable, not_found=len(ids) - len(found))
        if emailed:
            record_bulk_audit(session, actor, "resend_email", outcome)
    return outcome


def run_bulk_action(actor: Actor, action: str, card_ids: Iterable[int]) -> BulkOutcome:
    """One of BULK_ACTIONS by name (the screen's confirmation dialog names it)."""
    if action == "freeze":
        return freeze_cards(actor, card_ids)
    if action == "unfreeze":
        return unfreeze_cards(actor, card_ids)
    if action == "resend_email":
        return resend_card_emails(actor, card_ids)
    raise GiftnetError(ErrorCode.invalid_input, N_("action is one of {join}."), field="action", params={"join": ', '.join(BULK_ACTIONS)})


__all__ = [
    "KIND",
    "RecipientEmail",
    "compose_for_card",
    "compose_recipient_email",
    "queue_recipient_email",
    "queue_recipient_email_within",
    "resend_recipient_email",
    "resend_card_emails",
    "rotate_card_link",
    "run_bulk_action",
]
