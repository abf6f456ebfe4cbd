"""The Activity screen: key figures and the latest movements."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.services import activity, codes
from app.services.money import format_cents
from app.services.timefmt import format_local_time
from app.state.cards import LEDGER_KIND_LABELS
from app.state.session import SessionState


@dataclass
class ActivityRow:
    id: int
    card_id: int
    card: str
    label: str
    amount: str
    credit: bool
    time: str


class HomeState(SessionState):
    active_cards: str = ""
    outstanding: str = ""
    issued_this_month: str = ""
    redeemed_this_month: str = ""
    entries: list[ActivityRow] = []

    @rx.event
    def load(self):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        figures = activity.home_figures(who.operator_id, who.timezone)
        self.active_cards = f"{figures.active_cards:,}"
        self.outstanding = format_cents(figures.outstanding_cents)
        self.issued_this_month = format_cents(figures.issued_this_month_cents)
        self.redeemed_this_month = format_cents(figures.redeemed_this_month_cents)
        self.entries = [
            ActivityRow(
                id=entry.id,
                card_id=entry.card_id,
                card=codes.mask(last4),
                label=LEDGER_KIND_LABELS.get(entry.kind, entry.kind),
                amount=format_cents(entry.amount_cents),
                credit=entry.amount_cents > 0,
                time=format_local_time(entry.created_at, who.timezone),
            )
            for entry, last4 in activity.recent_entries(who.operator_id)
        ]
        return None
