"""Printable cards on the dashboard: the Cards screen's "Print a batch of cards" dialog (a
print run, then its PDF sheets and CSV), and one card's "Download printable card"."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import reflex as rx

from app.models import CardBatch
from app.services.access.accounts import SignedIn
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.money import format_cents, parse_amount
from app.services.core.timefmt import format_local_time
from app.services.printing import card_batches, printable_cards
from app.state.cards import CardsState
from app.state.session import SessionState, dashboard_action


@dataclass
class PrintRunRow:
    id: int = 0
    count: str = ""
    amount: str = ""
    created: str = ""


def _row(batch: CardBatch, timezone: str) -> PrintRunRow:
    return PrintRunRow(id=batch.id, count=f"{batch.count:,} cards",
                       amount=format_cents(batch.amount_cents, batch.currency) if batch.amount_cents
                       else "loaded when sold",
                       created=format_local_time(batch.created_at, timezone))


def _count(text: str) -> int:
    text = text.strip().replace(",", "")
    if not (text.isascii() and text.isdigit()):
        raise GiftnetError(ErrorCode.invalid_input,
                           N_("How many cards: a whole number from 1 to {max_count}."), field="count", params={"max_count": f"{card_batches.MAX_COUNT:,}"})
    return int(text)


class CardPrintsState(SessionState):
    print_open: bool = False
    print_error: str = ""
    print_key: str = ""
    created_id: int = 0
    created_text: str = ""
    runs: list[PrintRunRow] = []
    download_error: str = ""

    def _clear_messages(self) -> None:
        self.print_error, self.download_error = "", ""

    @rx.event
    @dashboard_action("print_error", owner=True)
    def open_print(self, who: SignedIn):
        self.print_open = True
        self.created_id, self.created_text = 0, ""
        self.print_key = uuid.uuid4().hex
        self.runs = [_row(batch, who.timezone) for batch in card_batches.list_card_batches(who.operator_id, limit=5)]

    @rx.event
    def close_print(self):
        self.print_open = False
        self.created_id, self.created_text, self.print_error = 0, "", ""

    @rx.event
    @dashboard_action("print_error", owner=True)
    def create_run(self, who: SignedIn, form: dict):
        count = _count(str(form.get("count", "")))
        amount_text = str(form.get("amount", "")).strip()
        amount_cents = parse_amount(amount_text, field="amount_cents") if amount_text not in ("", "0") else 0
        batch = card_batches.create_card_batch(self._actor(who), count, amount_cents,
                                               # One key per opened dialog: a double click prints one run.
                                               idempotency_key=f"dashboard-print-{who.user_id}-{self.print_key}")
        self.created_id = batch.id
        worth = f"of {format_cents(amount_cents, batch.currency)}" if amount_cents else "loaded when sold"
        self.created_text = (f"Print run #{batch.id}: {batch.count:,} cards {worth}. Download the sheets or the "
                             "printer's file now; they are the only place the codes are shown.")
        self.runs = [_row(run, who.timezone) for run in card_batches.list_card_batches(who.operator_id, limit=5)]
        return CardsState.load  # the list and its count show the new cards

    @rx.event
    @dashboard_action("print_error", owner=True)
    def download_run(self, who: SignedIn, batch_id: int, file_format: str):
        found = card_batches.batch_file(self._actor(who), int(batch_id), file_format)
        return rx.download(data=found.data, filename=found.filename, mime_type=found.media_type.split(";")[0])

    @rx.event
    @dashboard_action("download_error")
    def download_card_pdf(self, who: SignedIn):
        raw = str(self.router.page.params.get("card_id", ""))
        card_id = int(raw) if (raw.isascii() and raw.isdigit()) else 0
        printed = printable_cards.card_pdf(self._actor(who), card_id)
        return rx.download(data=printed.data, filename=printed.filename, mime_type=printed.content_type)
