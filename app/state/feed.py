"""The operator's live Activity screen: one shared state per operator network.

Every Activity tab of an operator links `OperatorFeed` to the token `operator-<id>`.
When the event bus reports something in that network (a card issued, a redemption,
a POS payment, a device activated, an order paid ...), `OperatorFeedBridge` reloads
the newest feed entries and today's and this month's figures from the database
(the source of truth) into the shared state; Reflex pushes the change to every
linked tab. Events arriving together are folded into one reload per operator, and
under a stream of API calls an operator's feed reloads at most every
MIN_REFRESH_INTERVAL_S. A network with no Activity tab ever opened (an API-only shop)
costs no reload at all: the bridge looks at the shared state's linked tabs first.
Only the newest FEED_SIZE entries and a dozen figures live in the shared state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import reflex as rx
from reflex.istate.manager.token import BaseStateToken

from app.services.access import accounts
from app.services.core import codes
from app.services.core.events import Event, subscribe
from app.services.core.i18n import format_money, format_number
from app.services.core.money import format_cents
from app.services.core.timefmt import format_local_time
from app.services.reporting import activity, dashboard_figures

log = logging.getLogger(__name__)
FEED_EVENTS = {
    "card.issued", "card.topped_up", "card.frozen", "card.unfrozen", "redemption.completed", "redemption.voided",
    "pos_payment.received", "pos_payment.applied", "device.activated", "order.paid", "order.failed",
    "order.declined", "order.refunded",
}
FOLD_EVENTS_S = 0.05  # events of one request arrive together: reload once
# The feed's figures are aggregates over the ledger: under a stream of API calls, reload
# an operator's feed at most this often (the screen promises "within a second").
MIN_REFRESH_INTERVAL_S = 0.25


@dataclass
class FeedRow:
    key: str = ""
    kind: str = ""
    label: str = ""
    card_id: int = 0
    card: str = ""
    where: str = ""
    amount: str = ""
    amount_fr: str = ""  # the same amount as French writes it (each tab shows its reader's)
    credit: bool = False
    time: str = ""


def operator_token(operator_id: int) -> str:
    return f"operator-{operator_id}"  # no underscore: Reflex refuses it in link tokens


class OperatorFeed(rx.SharedState):
    """What every Activity tab of one operator shares: the feed and the live figures."""

    items: list[FeedRow] = []
    active_cards: str = ""
    outstanding: str = ""
    today_sold: str = ""
    today_sold_count: str = ""
    today_topups: str = ""
    today_redeemed: str = ""
    month_sold: str = ""
    month_sold_count: str = ""
    month_topups: str = ""
    month_redeemed: str = ""
    # Raw cents of the live figures, for tests and the charts' "today" point.
    today_redeemed_cents: int = 0
    # The figures above as French writes them ({"outstanding": "1 234,56 $", ...}).
    fr: dict[str, str] = {}
    # Counts the updates: the Activity screen re-reads a chosen range that includes today on each.
    version: int = 0


@dataclass
class FeedSnapshot:
    items: list[FeedRow]
    figures: dict


def feed_rows(operator_id: int, timezone: str, currency: str) -> list[FeedRow]:
    return [
        FeedRow(
            key=entry.key,
            kind=entry.kind,
            label=entry.label,
            card_id=entry.card_id or 0,
            card=codes.mask(entry.last4) if entry.last4 else "",
            where=entry.where,
            amount="" if entry.amount_cents is None else format_cents(entry.amount_cents, currency),
            amount_fr="" if entry.amount_cents is None else format_money(entry.amount_cents, currency, "fr"),
            credit=(entry.amount_cents or 0) > 0 and entry.kind not in ("pos",),
            time=format_local_time(entry.at, timezone),
        )
        for entry in activity.feed(operator_id)
    ]


def live_figures(operator_id: int, timezone: str, currency: str) -> dict:
    """Today's and this month's figures and where the network stands, formatted."""
    today = dashboard_figures.period_figures(operator_id, *dashboard_figures.today_period(timezone))
    month = dashboard_figures.period_figures(operator_id, *dashboard_figures.month_period(timezone))
    standing = dashboard_figures.standing(operator_id)
    return {
        "active_cards": f"{standing.active_cards:,}",
        "outstanding": format_cents(standing.outstanding_cents, currency),
        "today_sold": format_cents(today.sold_cents, currency),
        "today_sold_count": f"{today.sold_count:,}",
        "today_topups": format_cents(today.topup_cents, currency),
        "today_redeemed": format_cents(today.redeemed_cents, currency),
        "month_sold": format_cents(month.sold_cents, currency),
        "month_sold_count": f"{month.sold_count:,}",
        "month_topups": format_cents(month.topup_cents, currency),
        "month_redeemed": format_cents(month.redeemed_cents, currency),
        "today_redeemed_cents": today.redeemed_cents,
        "fr": {
            "active_cards": format_number(standing.active_cards, "fr"),
            "outstanding": format_money(standing.outstanding_cents, currency, "fr"),
            "today_sold": format_money(today.sold_cents, currency, "fr"),
            "today_sold_count": format_number(today.sold_count, "fr"),
            "today_topups": format_money(today.topup_cents, currency, "fr"),
            "today_redeemed": format_money(today.redeemed_cents, currency, "fr"),
            "month_sold": format_money(month.sold_cents, currency, "fr"),
            "month_sold_count": format_number(month.sold_count, "fr"),
            "month_topups": format_money(month.topup_cents, currency, "fr"),
            "month_redeemed": format_money(month.redeemed_cents, currency, "fr"),
        },
    }


def snapshot(operator_id: int, timezone: str, currency: str) -> FeedSnapshot:
    """The feed and figures, amounts with their currency (as the card page and emails show them)."""
    return FeedSnapshot(items=feed_rows(operator_id, timezone, currency),
                        figures=live_figures(operator_id, timezone, currency))


def apply_snapshot(feed: OperatorFeed, data: FeedSnapshot) -> None:
    feed.items = data.items
    feed.version += 1
    for name, value in data.figures.items():
        setattr(feed, name, value)


async def has_linked_tabs(app: rx.App, operator_id: int) -> bool:
    """Whether any Activity tab ever linked to this operator's feed (a state read, no lock, no SQL)."""
    root = await app.state_manager.get_state(BaseStateToken(ident=operator_token(operator_id), cls=OperatorFeed))
    feed = await root.get_state(OperatorFeed)
    return bool(feed._linked_from)  # noqa: SLF001 - backend-only (underscored: Reflex keeps it from the browser)


async def refresh_operator_feed(app: rx.App, operator_id: int) -> None:
    def load() -> FeedSnapshot:
        return snapshot(operator_id, accounts.operator_timezone(operator_id), accounts.operator_currency(operator_id))

    data = await asyncio.to_thread(load)
    async with app.modify_state(BaseStateToken(ident=operator_token(operator_id), cls=OperatorFeed)) as root:
        apply_snapshot(await root.get_state(OperatorFeed), data)


class OperatorFeedBridge:
    """Subscribed to the event bus while the app runs; reloads the feed of the operator concerned."""

    def __init__(self, app: rx.App) -> None:
        self.app = app
        self.loop: asyncio.AbstractEventLoop | None = None
        self._pending: set[int] = set()
        self._last_refresh: dict[int, float] = {}

    def on_event(self, event: Event) -> None:
        if self.loop is None or event.type not in FEED_EVENTS or not event.operator_id:
            return
        self.loop.call_soon_threadsafe(self._schedule, event.operator_id)

    def _schedule(self, operator_id: int) -> None:
        if operator_id in self._pending:
            return
        self._pending.add(operator_id)
        task = self.loop.create_task(self._refresh_soon(operator_id))
        task.add_done_callback(_log_failure)

    async def _refresh_soon(self, operator_id: int) -> None:
        since_last = time.monotonic() - self._last_refresh.get(operator_id, 0.0)
        await asyncio.sleep(max(FOLD_EVENTS_S, MIN_REFRESH_INTERVAL_S - since_last))
        self._pending.discard(operator_id)  # an event from here on schedules another reload
        self._last_refresh[operator_id] = time.monotonic()
        if await has_linked_tabs(self.app, operator_id):
            await refresh_operator_feed(self.app, operator_id)

    async def run(self) -> None:
        """A lifespan task: capture the loop, subscribe, stay until the app stops."""
        self.loop = asyncio.get_running_loop()
        unsubscribe = subscribe(self.on_event)
        try:
            while True:
                await asyncio.sleep(3600)
        finally:
            unsubscribe()


def _log_failure(task) -> None:  # noqa: ANN001
    if not task.cancelled() and task.exception() is not None:
        log.warning("activity feed update failed: %s", task.exception())
