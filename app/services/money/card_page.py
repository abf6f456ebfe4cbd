"""The recipient's card page `/c/<link token>` and its QR code.

The link token is the credential: whoever holds the link sees the card's balance
and status, never its code. Rotating the link (see `card_emails.rotate_card_link`)
makes the old one answer "not valid" here.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from sqlmodel import select

from app.db import read_session
from app.integrations.qr import qr_png
from app.models import Location, Operator
from app.models.card import CardStatus
from app.services.core import codes
from app.services.core.i18n import N_, format_money, normalize, translator
from app.services.money.cards import find_card_by_link_token
from app.settings import get_settings

STATUS_LABELS = {
    CardStatus.active: N_("Active: ready to use"),
    CardStatus.frozen: N_("On hold: it cannot be used right now. Contact the seller."),
}


def card_link(link_token: str) -> str:
    """The address printed in the recipient email and encoded in its QR code."""
    return f"{get_settings().public_url}/c/{link_token}"


@dataclass(frozen=True)
class PublicCard:
    """What the card page may show. Deliberately no id, no code, no recipient."""

    operator_name: str
    balance: str
    status: str
    status_label: str
    masked_code: str
    where_to_use: str
    # The QR code inline: the page shows it without a second request, whichever
    # server (frontend or backend, in dev mode) serves the page.
    qr_data_url: str
    language: str = "en"  # what the page is written in
    # Bought in the shop's test mode: the page says it is a test card, usable only at test locations.
    is_test: bool = False


def public_card(link_token: str, lang: str | None = None) -> PublicCard | None:
    """The card behind a link, or None for an unknown or rotated link; written in `lang`
    (none: the card's own language, the one its emails were sent in)."""
    card = find_card_by_link_token(link_token)
    if card is None:
        return None
    with read_session() as session:
        operator = session.get(Operator, card.operator_id)
    operator_name = operator.name if operator else ""
    lang = normalize(lang or card.language)
    _ = translator(lang)
    return PublicCard(
        operator_name=operator_name,
        balance=format_money(card.balance_cents, card.currency, lang),
        status=card.status,
        status_label=_(STATUS_LABELS[card.status]) if card.status in STATUS_LABELS else card.status,
        masked_code=codes.mask(card.last4),
        where_to_use=where_card_can_be_used(operator_name, card.operator_id, lang),
        language=lang,
        qr_data_url="data:image/png;base64," + base64.b64encode(qr_png(card_link(link_token))).decode(),
        is_test=card.is_test,
    )


MAX_NAMED_LOCATIONS = 8


def where_card_can_be_used(operator_name: str, operator_id: int | None = None, lang: str | None = None) -> str:
    """The network, and the names of its active businesses when there are some (in `lang`)."""
    _ = translator(lang)
    sentence = _("At any business of the {network} network.", network=operator_name)
    if operator_id is None:
        return sentence
    with read_session() as session:
        names = list(session.exec(
            select(Location.name).where(Location.operator_id == operator_id, Location.active.is_(True))
            .order_by(Location.name).limit(MAX_NAMED_LOCATIONS + 1)
        ).all())
    if not names:
        return sentence
    shown = ", ".join(names[:MAX_NAMED_LOCATIONS])
    if len(names) > MAX_NAMED_LOCATIONS:
        return sentence + " " + _("Among them: {names} and more.", names=shown)
    return sentence + " " + _("Among them: {names}.", names=shown)


def card_qr_png(link_token: str) -> bytes | None:
    """The QR code of a valid card link as PNG, or None for an unknown or rotated link."""
    if find_card_by_link_token(link_token) is None:
        return None
    return qr_png(card_link(link_token))
