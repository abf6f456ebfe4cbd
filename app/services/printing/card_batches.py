"""Print runs: N cards made at once without recipients, each loaded with the same amount or
with nothing until sold, and the run's files: print-ready PDF sheets and a CSV for card
printers (code, amount, card link, QR payload).

Rules this module keeps:
- a run is one transaction: its row, its cards and their `issue` ledger rows (none for
  cards loaded when sold: no value moved yet) commit together or not at all;
- a card loaded when sold holds 0 and is active; selling it is a top-up
  (`ledger.top_up_card`, the card screen's Top up or `POST /cards/{id}/topups`);
- an idempotency key makes a retried creation answer the first run; the same key with
  another count or amount is refused (`idempotency_key_reused`);
- codes are secrets: the run's files are the only place they are shown, to owners only
  (creating a run is an owner's act too), and every download is in the audit trail.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations.card_pdf import PAPER_SIZES, card_sheets_pdf
from app.models import Card, CardBatch, Operator
from app.models.base import utcnow
from app.services.core import audit, codes, crypto, roles
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents
from app.services.core.rows import owned_row
from app.services.money import idempotency, ledger
from app.services.money.card_page import card_link, where_card_can_be_used
from app.services.printing.printable_cards import card_face

MAX_COUNT = 10_000
FORMATS = ("pdf", "csv")
PAPERS = tuple(PAPER_SIZES)
CSV_COLUMNS = ("number", "card_id", "code", "last4", "amount_cents", "amount", "currency", "card_link", "qr_payload")


@dataclass(frozen=True)
class BatchFile:
    filename: str
    media_type: str
    data: bytes


def _whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validated(count: object, amount_cents: object) -> tuple[int, int]:
    if not _whole_number(count) or not 1 <= count <= MAX_COUNT:
        raise GiftnetError(ErrorCode.invalid_input, N_("count is a whole number from 1 to {max_count}."), field="count", params={"max_count": f"{MAX_COUNT:,}"})
    if not _whole_number(amount_cents) or amount_cents < 0:
        raise GiftnetError(ErrorCode.invalid_amount,
                           N_("amount_cents is a whole number of cents, 0 or more (0: the card is loaded when sold)."),
                           field="amount_cents")
    return count, amount_cents


def _by_key(session: Session, operator_id: int, key: str) -> CardBatch | None:
    return session.exec(
        select(CardBatch).where(CardBatch.operator_id == operator_id, CardBatch.idempotency_key == key)
    ).first()


def _same_or_refuse(batch: CardBatch, count: int, amount_cents: int) -> CardBatch:
    if (batch.count, batch.amount_cents) != (count, amount_cents):
        raise GiftnetError(ErrorCode.idempotency_key_reused,
                           N_("This idempotency key was already used for another print run. Use a new key."),
                           field="idempotency_key")
    return batch


def create_card_batch(actor: Actor, count: int, amount_cents: int, *, idempotency_key: str | None = None) -> CardBatch:
    """Make `count` (1 to 10,000) cards without recipients, each holding `amount_cents`
    (within the operator's card limits), or 0: loaded when sold, by a top-up.

    Owners only. Refuses a bad count (`invalid_input`, field `count`), a negative or
    non-whole amount (`invalid_amount`) or one outside the card limits
    (`amount_out_of_range`), both naming `amount_cents`. A retry with the same key
    answers the first run and makes nothing."""
    count, amount_cents = _validated(count, amount_cents)
    roles.require_owner(actor, "print a batch of cards")
    key = idempotency.validated_key(idempotency_key)
    if key is not None:
        with read_session() as session:
            found = _by_key(session, actor.operator_id, key)
        if found is not None:
            return _same_or_refuse(found, count, amount_cents)
    try:
        with write_session() as session:
            operator = session.get(Operator, actor.operator_id)
            batch = CardBatch(operator_id=actor.operator_id, count=count, amount_cents=amount_cents,
                              currency=operator.currency, idempotency_key=key, created_by_user_id=actor.user_id,
                              api_key_id=actor.api_key_id, created_at=utcnow())
            session.add(batch)
            session.flush()
            ledger.issue_batch_within(session, actor, count, amount_cents, batch_id=batch.id)
            worth = format_cents(amount_cents, operator.currency) if amount_cents else "loaded when sold"
            audit.record(session, actor, "card.batch_created", target_type="card_batch", target_id=batch.id,
                         summary=f"Print run #{batch.id}: {count:,} cards, {worth}",
                         changes={"count": [None, count], "amount_cents": [None, amount_cents]})
            session.expunge(batch)
    except IntegrityError:
        # A concurrent call with the same key committed first: answer its run.
        if key is None:
            raise
        with read_session() as session:
            found = _by_key(session, actor.operator_id, key)
        if found is None:
            raise
        return _same_or_refuse(found, count, amount_cents)
    return batch


def get_card_batch(operator_id: int, batch_id: int) -> CardBatch:
    """The operator's print run; `not_found` for another operator's."""
    with read_session() as session:
        return owned_row(session, CardBatch, batch_id, operator_id, missing=N_("No such print run of cards."))


def list_card_batches(operator_id: int, *, limit: int = 10) -> list[CardBatch]:
    """The operator's newest print runs."""
    with read_session() as session:
        return list(session.exec(
            select(CardBatch).where(CardBatch.operator_id == operator_id)
            .order_by(CardBatch.id.desc()).limit(max(1, min(int(limit), 100)))
        ).all())


@dataclass(frozen=True)
class _PrintedCard:
    number: int
    card: Card
    code: str  # formatted
    link: str


def _cards_of(session: Session, batch: CardBatch) -> list[_PrintedCard]:
    cards = session.exec(
        select(Card).where(Card.batch_id == batch.id, Card.operator_id == batch.operator_id).order_by(Card.id)
    ).all()
    printed = []
    for number, card in enumerate(cards, start=1):
        code, token = crypto.decrypt(card.code_encrypted), crypto.decrypt(card.link_token_encrypted)
        if code is None or token is None:
            raise GiftnetError(ErrorCode.invalid_input,
                               N_("The codes of this print run can no longer be read (the server's secret key changed)."))
        printed.append(_PrintedCard(number, card, codes.format_code(code), card_link(token)))
    return printed


def _csv(printed: list[_PrintedCard]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in printed:
        cents = item.card.initial_amount_cents
        writer.writerow([item.number, item.card.id, item.code, item.card.last4, cents, f"{cents / 100:.2f}",
                         item.card.currency, item.link, item.link])
    return buffer.getvalue().encode("utf-8")


def _pdf(session: Session, batch: CardBatch, printed: list[_PrintedCard], paper: str) -> bytes:
    operator = session.get(Operator, batch.operator_id)
    where = where_card_can_be_used(operator.name, operator.id, lang=operator.default_language)
    faces = (card_face(item.card, operator, code_text=item.code, where_text=where,
                       serial_text=f"Run {batch.id} - {item.number}/{batch.count}") for item in printed)
    return card_sheets_pdf(faces, paper=paper, title=f"{operator.name} gift cards, print run {batch.id}")


def batch_file(actor: Actor, batch_id: int, file_format: str, *, paper: str = "letter") -> BatchFile:
    """The print run's file: `pdf` (print-ready sheets, eight cards a page on `paper`,
    letter or a4, with crop marks) or `csv` (for card printers). Owners only; every
    download is recorded in the audit trail. `not_found` for another operator's run."""
    if file_format not in FORMATS:
        raise GiftnetError(ErrorCode.invalid_input, N_("format is pdf or csv."), field="format")
    if paper not in PAPERS:
        raise GiftnetError(ErrorCode.invalid_input, N_("paper is letter or a4."), field="paper")
    with read_session() as session:
        batch = owned_row(session, CardBatch, batch_id, actor.operator_id, missing=N_("No such print run of cards."))
    roles.require_owner(actor, "download the codes of a print run")
    with read_session() as session:
        printed = _cards_of(session, batch)
        if file_format == "csv":
            data, media_type = _csv(printed), "text/csv; charset=utf-8"
        else:
            data, media_type = _pdf(session, batch, printed, paper), "application/pdf"
    with write_session() as session:
        session.execute(update(CardBatch).where(CardBatch.id == batch.id).values(downloads=CardBatch.downloads + 1))
        audit.record(session, actor, "card.batch_downloaded", target_type="card_batch", target_id=batch.id,
                     summary=f"Print run #{batch.id}: {file_format.upper()} with {len(printed):,} card codes downloaded",
                     changes={"format": [None, file_format]})
    return BatchFile(filename=f"giftnet-print-run-{batch.id}.{file_format}", media_type=media_type, data=data)


__all__ = ["CSV_COLUMNS", "FORMATS", "MAX_COUNT", "PAPERS", "BatchFile", "batch_file", "create_card_batch",
           "get_card_batch", "list_card_batches"]
