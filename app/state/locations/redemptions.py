"""A location's redemptions, newest first, a page at a time; today's can be voided here
after a confirmation (the rule: `redemptions.can_void`)."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.core.timefmt import format_local_time
from app.services.counter import redemptions
from app.services.network import locations
from app.state.locations.money import LocationMoneyState
from app.state.locations.parts import ConfirmedRow, PagedRows
from app.state.locations.screen import MODE_LABELS, LocationDetailState
from app.state.locations.webhooks import LocationWebhooksState
from app.state.session import dashboard_action

REDEMPTION_PAGE_SIZE = 10


@dataclass
class RedemptionRow:
    id: int = 0
    time: str = ""
    card: str = ""
    kind: str = ""
    amount: str = ""
    device: str = ""
    status: str = ""
    voidable: bool = False  # completed, of today (the operator's day) and not in a payout batch yet


class LocationRedemptionsState(PagedRows, ConfirmedRow, LocationDetailState):
    """The location's redemptions (its paged rows); the row to confirm is the one to void."""

    rows: list[RedemptionRow] = []

    def _open(self, who: SignedIn, location: Location) -> None:
        self.confirm_id = 0
        self._show_first_page(who)

    @rx.event
    @dashboard_action(clear=False)
    def show_first_page(self, who: SignedIn):
        self._show_first_page(who)

    def _page(self, who: SignedIn, cursor: int | None) -> tuple[list[RedemptionRow], int | None]:
        zone = who.timezone
        page = locations.redemption_page(who.operator_id, self._location_id(), limit=REDEMPTION_PAGE_SIZE,
                                         cursor=cursor)
        rows = [
            RedemptionRow(
                id=redemption.id,
                time=format_local_time(redemption.created_at, zone),
                card=f"•••• {last4}",
                kind=self._t(MODE_LABELS[redemption.kind]) if redemption.kind in MODE_LABELS else redemption.kind,
                amount=self._money(redemption.amount_cents, who.currency),
                device=device_code or "—",
                status=redemption.status,
                voidable=redemptions.can_void(redemption, zone),
            )
            for redemption, last4, device_code in page.rows
        ]
        return rows, page.next_cursor

    def _rows_to_confirm(self) -> list[RedemptionRow]:
        return self.rows

    def _label(self, row: RedemptionRow) -> str:
        return self._t("Redemption #{id} of {amount} on card {card}", id=row.id, amount=row.amount, card=row.card)

    @rx.event
    @dashboard_action()
    def void_redemption(self, who: SignedIn):
        redemption_id = self._confirmed()
        if not redemption_id:
            return None
        try:
            result = redemptions.void_redemption(self._actor(who), redemption_id,
                                                 idempotency_key=f"dashboard-void-{redemption_id}")
        finally:  # voided or refused (voided elsewhere, now in a payout batch), the row shows it
            self._show_page(who, self._current_cursor())
        self.action_message = self._t("Redemption #{id} voided: {amount} is back on card •••• {last4}.",
                                      id=redemption_id, last4=result.last4,
                                      amount=self._money(result.redemption.amount_cents, who.currency))
        # What the location is owed went down, and its webhook is told of the void.
        return [LocationMoneyState.refresh, LocationWebhooksState.refresh_deliveries]
