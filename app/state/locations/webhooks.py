"""A location's notification webhook: its signing secret (revealed on demand), the
delivery log with each delivery's attempts, and Retry now."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from app.models import Location, WebhookDelivery
from app.services.access.accounts import SignedIn
from app.services.core.errors import GiftnetError
from app.services.core.timefmt import format_local_time
from app.services.messaging import webhooks
from app.state.locations.screen import LocationDetailState
from app.state.session import dashboard_action

DELIVERY_LOG_SIZE = 25
# After "Retry now", the delivery log follows the delivery this long (the sender polls every second).
RETRY_FOLLOW_SECONDS = 8.0


@dataclass
class DeliveryRow:
    id: int = 0
    event: str = ""
    status: str = ""
    attempts: int = 0
    last_result: str = ""  # "HTTP 200", "HTTP 500", "ConnectError: ..." or "—"
    created: str = ""
    delivered: str = ""
    retryable: bool = False


@dataclass
class AttemptRow:
    id: int = 0
    time: str = ""
    result: str = ""
    duration: str = ""
    ok: bool = False


def _delivery_row(delivery: WebhookDelivery, timezone: str) -> DeliveryRow:
    if delivery.last_error:
        last_result = delivery.last_error
    elif delivery.last_status_code:
        last_result = f"HTTP {delivery.last_status_code}"
    else:
        last_result = "—"
    return DeliveryRow(
        id=delivery.id,
        event=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        last_result=last_result,
        created=format_local_time(delivery.created_at, timezone),
        delivered=format_local_time(delivery.delivered_at, timezone) or "—",
        retryable=delivery.status in ("pending", "failed"),
    )


class LocationWebhooksState(LocationDetailState):
    # the signing secret, only once revealed
    webhook_secret: str = ""
    delivery_rows: list[DeliveryRow] = []
    # the delivery whose attempts are open under its row
    open_delivery_id: int = 0
    attempt_rows: list[AttemptRow] = []

    def _open(self, who: SignedIn, location: Location) -> None:
        self.webhook_secret, self.open_delivery_id, self.attempt_rows = "", 0, []
        self._show_deliveries(who)

    def _show_deliveries(self, who: SignedIn) -> None:
        self.delivery_rows = [
            _delivery_row(delivery, who.timezone)
            for delivery in webhooks.list_deliveries(who.operator_id, location_id=self._location_id(),
                                                     limit=DELIVERY_LOG_SIZE)
        ]
        if self.open_delivery_id:
            self._show_attempts(who, self.open_delivery_id)

    def _show_attempts(self, who: SignedIn, delivery_id: int) -> None:
        try:
            attempts = webhooks.list_attempts(who.operator_id, delivery_id)
        except GiftnetError as error:
            self.open_delivery_id, self.attempt_rows = 0, []
            self.webhook_error = error.localized_message(self.lang)
            return
        self.attempt_rows = [
            AttemptRow(
                id=attempt.id,
                time=format_local_time(attempt.attempted_at, who.timezone),
                result=attempt.error or (f"HTTP {attempt.status_code}" if attempt.status_code else "—"),
                duration=f"{attempt.duration_ms} ms",
                ok=attempt.error is None and attempt.status_code is not None and 200 <= attempt.status_code < 300,
            )
            for attempt in attempts
        ]

    @rx.event
    @dashboard_action("webhook_error")
    def reveal_webhook_secret(self, who: SignedIn):
        self.webhook_secret = webhooks.reveal_location_secret(self._actor(who), self._location_id())

    @rx.event
    def hide_webhook_secret(self):
        self.webhook_secret = ""

    @rx.event
    @dashboard_action("webhook_error", clear=False)
    def toggle_attempts(self, who: SignedIn, delivery_id: int):
        delivery_id = int(delivery_id)
        if self.open_delivery_id == delivery_id:
            self.open_delivery_id, self.attempt_rows = 0, []
            return
        self.open_delivery_id = delivery_id
        self._show_attempts(who, delivery_id)

    @rx.event
    @dashboard_action("webhook_error", clear=False)
    def refresh_deliveries(self, who: SignedIn):
        self._show_deliveries(who)

    @rx.event
    @dashboard_action("webhook_error")
    def retry_delivery(self, who: SignedIn, delivery_id: int):
        try:
            delivery = webhooks.retry_now(self._actor(who), int(delivery_id))
        finally:  # refused or not, the log shows the delivery as it is now
            self._show_deliveries(who)
        self.webhook_message = self._t("Delivery #{id} ({event}) is queued again: it is sent within seconds.",
                                       id=delivery.id, event=delivery.event_type)
        return LocationWebhooksState.follow_delivery(delivery.id, delivery.attempts)

    @rx.event(background=True)
    async def follow_delivery(self, delivery_id: int, attempts_before: int):
        """After a manual retry: refresh the log once the new attempt is recorded (or a few seconds pass)."""
        async with self:
            who = self._signed_in()
            location_id = self._location_id()
        if who is None:
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + RETRY_FOLLOW_SECONDS
        while loop.time() < deadline:
            await asyncio.sleep(0.5)
            rows = await asyncio.to_thread(webhooks.list_deliveries, who.operator_id, location_id=location_id,
                                           limit=DELIVERY_LOG_SIZE)
            current = next((row for row in rows if row.id == delivery_id), None)
            if current is None or current.status in ("delivered", "failed") or (
                    current.status == "pending" and current.attempts > attempts_before):
                break
        async with self:
            if self._location_id() == location_id:
                self._show_deliveries(who)
