"""One card as a printable PDF (drawn by app/integrations/card_pdf.py): the network's name
on its shop colour, the amount, who it is for and from, the message, the code, the QR code
of the card page and where the card can be used.

Who sees the code on it:
- the recipient's email attachment: yes (the email carries the code anyway);
- an owner's download (dashboard or API): yes, and the download is in the audit trail;
- staff on the dashboard: the last 4 only (codes are shown once, when issued; staff
  never read them again, as in the Outbox), with the QR code; audited too;
- the public card page `/c/<token>`: the last 4 only. The link is the credential of the
  page, which never shows the code; the PDF follows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from app.db import read_session, write_session
from app.integrations.card_pdf import CardFace, single_card_pdf
from app.integrations.mail import Attachment
from app.models import Card, Operator
from app.services.core import audit, codes, crypto, i18n, roles
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.money.card_page import card_link, where_card_can_be_used
from app.services.money.cards import find_card_by_link_token
from app.services.money.ledger import card_or_404
from app.services.shop.shop_settings import shop_settings_of

CONTENT_TYPE = "application/pdf"
UNLOADED_TEXT = N_("Loaded at purchase")
MASKED_NOTE_EMAIL = N_("The full card code is in the email that brought you this card.")
MASKED_NOTE_STAFF = N_("Only the last 4 are printed here; an owner can print the card with its code.")
# The words of a printed card (app/integrations/card_pdf.py's ENGLISH_LABELS), for the catalogs.
CARD_LABELS = {
    "title": N_("{network} gift card"),
    "gift_card": N_("GIFT CARD"),
    "for": N_("For {name}"),
    "from": N_("From {name}"),
    "scan": N_("Scan at the counter"),
    "code": N_("Card code"),
    "where": N_("Where to use it"),
    "keep_safe": N_("Keep this card safe: anyone who has the code can spend it. Scan the QR code to see the balance: "
                    "{link}"),
}


def card_labels(lang: str | None) -> dict[str, str]:
    """The printed card's words in `lang` (placeholders left for the drawing to fill)."""
    return {key: i18n.translate(label, lang) for key, label in CARD_LABELS.items()}


@dataclass(frozen=True)
class CardPdf:
    filename: str
    data: bytes
    content_type: str = CONTENT_TYPE


def pdf_filename(last4: str) -> str:
    return f"gift-card-{last4}.pdf"


def amount_text(amount_cents: int, currency: str, lang: str | None = None) -> str:
    """What a printed card says it is worth; a card of a print run loaded when sold says so."""
    return i18n.format_money(amount_cents, currency, lang) if amount_cents else i18n.translate(UNLOADED_TEXT, lang)


def network_look(operator: Operator) -> tuple[str, str]:
    """The network's name and colour (the shop's primary colour) as printed cards show them."""
    return operator.name, shop_settings_of(operator).primary_colour


def card_face(card: Card, operator: Operator, *, code_text: str, where_text: str, code_note: str = "",
              serial_text: str = "") -> CardFace:
    """What one card's print shows; `code_text` is the formatted code or a masked one."""
    link_token = crypto.decrypt(card.link_token_encrypted)
    if link_token is None:
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("This card's link can no longer be read (the server's secret key changed)."))
    name, colour = network_look(operator)
    # A card of a print run loaded when sold: its value is what it was loaded with.
    worth = card.initial_amount_cents or card.balance_cents
    lang = i18n.normalize(card.language)
    return CardFace(
        network_name=name,
        colour=colour,
        amount_text=amount_text(worth, card.currency, lang),
        code_text=code_text,
        code_note=i18n.translate(code_note, lang) if code_note else "",
        link=card_link(link_token),
        where_text=where_text,
        recipient_name=card.recipient_name or "",
        sender_name=card.sender_name or "",
        message=card.message or "",
        balance_text=(i18n.translate("Balance today: {balance}", lang,
                                     balance=i18n.format_money(card.balance_cents, card.currency, lang))
                      if card.balance_cents != worth else ""),
        serial_text=serial_text,
        labels=card_labels(lang),
    )


def _full_code(card: Card) -> str:
    code = crypto.decrypt(card.code_encrypted)
    if code is None:
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("This card's code can no longer be read (the server's secret key changed)."))
    return codes.format_code(code)


def _masked(card: Card) -> str:
    return f"••••-••••-••••-{card.last4}"


def _render(session: Session, card: Card, *, with_code: bool, masked_note: str) -> CardPdf:
    operator = session.get(Operator, card.operator_id)
    face = card_face(card, operator, code_text=_full_code(card) if with_code else _masked(card),
                     code_note="" if with_code else masked_note,
                     where_text=where_card_can_be_used(operator.name, operator.id, lang=card.language))
    return CardPdf(filename=pdf_filename(card.last4), data=single_card_pdf(face))


def card_pdf(actor: Actor, card_id: int) -> CardPdf:
    """The operator's card as a PDF for the dashboard or the API: with its code for an owner
    (API keys act as owners), the last 4 only for staff. Every download is audited.
    Raises `card_not_found` for another operator's card."""
    with_code = roles.is_owner(actor)
    with read_session() as session:
        card = card_or_404(session, actor.operator_id, card_id)
        printed = _render(session, card, with_code=with_code, masked_note=MASKED_NOTE_STAFF)
    with write_session() as session:
        audit.record(session, actor, "card.pdf_downloaded", target_type="card", target_id=card_id,
                     summary=f"Printable card …{card.last4} downloaded"
                             + (" with its code" if with_code else " (code masked)"))
    return printed


def public_card_pdf(link_token: str) -> CardPdf | None:
    """The card behind a card-page link as a PDF, its code masked (the page never shows it);
    None for an unknown or rotated link."""
    card = find_card_by_link_token(link_token)
    if card is None:
        return None
    with read_session() as session:
        return _render(session, card, with_code=False, masked_note=MASKED_NOTE_EMAIL)


def email_attachment(operator_id: int, card_id: int) -> Attachment:
    """The printable card, with its code, to attach to the recipient's email
    (`card_emails.queue_recipient_email(..., attachments=(this,))`)."""
    with read_session() as session:
        card = card_or_404(session, operator_id, card_id)
        printed = _render(session, card, with_code=True, masked_note="")
    return Attachment(filename=printed.filename, content_type=printed.content_type, data=printed.data)


__all__ = ["CardPdf", "amount_text", "card_face", "card_pdf", "email_attachment", "network_look",
           "pdf_filename", "public_card_pdf"]
