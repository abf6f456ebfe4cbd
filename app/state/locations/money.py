"""What a location is owed now (completed redemptions in no payout batch) and the payout
lines that paid it (its paged list)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.core.errors import GiftnetError
from app.services.core.timefmt import format_local_time
from app.services.counter import pos_refunds
from app.services.settlement import payables
from app.state.locations.parts import PagedRows
from app.state.locations.screen import LocationDetailState
from app.state.session import dashboard_action

PAYOUT_PAGE_SIZE = 10


@dataclass
class PayableView:
    """What the location is owed now (completed redemptions in no payout batch)."""

    count: int = 0
    gross: str = ""
    commission: str = ""
    commission_rate: str = ""
    net: str = ""
    refunded: str = ""  # refunds given back to cards this payout deducts ("" when none)


@dataclass
class LocationPayoutRow:
    id: int = 0  # the payout line's id
    batch_id: int = 0
    status: str = ""
    redemptions: int = 0
    gross: str = ""
    net: str = ""
    created: str = ""
    paid: str = ""


class LocationMoneyState(PagedRows, LocationDetailState):
    """The location screen's payables and payouts (its paged rows: the payout lines)."""

    payable: PayableView = PayableView()
    rows: list[LocationPayoutRow] = []
    # Refunds a POS made after SELECT that the counter has not given back to the card yet.
    refunds_to_give_back: list[str] = []

    def _open(self, who: SignedIn, location: Location) -> None:
        self._show_money(who)

    @rx.event
    @dashboard_action(clear=False)
    def refresh(self, who: SignedIn):
        """Read again what is owed (after an action changed it), from the first page of payouts."""
        self._show_money(who)

    def _show_money(self, who: SignedIn) -> None:
        try:
            owed = payables.location_payable(who.operator_id, self._location_id())
        except GiftnetError:
            self.payable, self.rows, self.cursor_stack, self.next_cursor = PayableView(), [], [], 0
            return
        self.payable = PayableView(
            count=owed.redemption_count, gross=self._money(owed.gross_cents, who.currency),
            commission=self._money(owed.commission_cents, who.currency), commission_rate=f"{owed.commission_bps / 100:.2f} %",
            net=self._money(owed.net_cents, who.currency),
            refunded=self._money(owed.refunded_cents, who.currency) if owed.refunded_cents else "",
        )
        self.refunds_to_give_back = [
            self._t("Card •••• {last4}: {amount} ({source}, ref {reference})", last4=refund.last4,
                    amount=self._money(refund.amount_cents, who.currency), source=refund.source.capitalize(),
                    reference=refund.reference)
            for refund in pos_refunds.pending_for_location(who.operator_id, self._location_id())]
        self._show_first_page(who)

    def _page(self, who: SignedIn, cursor: int | None) -> tuple[list[LocationPayoutRow], int | None]:
        zone = who.timezone
        page = payables.location_payouts(who.operator_id, self._location_id(), limit=PAYOUT_PAGE_SIZE, cursor=cursor)
        rows = [
            LocationPayoutRow(
                id=payout.line_id, batch_id=payout.batch_id, status=payout.status,
                redemptions=payout.redemption_count, gross=self._money(payout.gross_cents, who.currency),
                net=self._money(payout.net_cents, who.currency), created=format_local_time(payout.created_at, zone),
                paid=format_local_time(payout.paid_at, zone) or "—",
            )
            for payout in page.payouts
        ]
        return rows, page.next_cursor
