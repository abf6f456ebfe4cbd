"""The webhook endpoints part of the Developers screen: subscribe a URL to events (its
signing secret shown once), see what each endpoint receives, remove one. Owners only:
staff load nothing here, and the services refuse them too."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models import WebhookEndpoint
from app.services.access.accounts import SignedIn
from app.services.core import i18n
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time
from app.services.messaging import webhooks
from app.state.session import SessionState, dashboard_action

# What an endpoint can subscribe to (API.md, "Events"); none ticked means every event.
EVENT_TYPES = (
    "card.issued", "card.topped_up", "card.frozen", "card.unfrozen", "redemption.completed", "redemption.voided",
    "pos_payment.received", "pos_payment.applied", "order.paid", "order.failed", "payout.created", "payout.paid",
    "payout.returned",
)


@dataclass
class EndpointRow:
    id: int = 0
    url: str = ""
    events: str = ""
    created: str = ""


def _row(endpoint: WebhookEndpoint, timezone: str, lang: str = i18n.DEFAULT_LANGUAGE) -> EndpointRow:
    names = [name for name in endpoint.event_types.split(",") if name]
    return EndpointRow(id=endpoint.id, url=endpoint.url,
                       events=i18n.translate(N_("Every event"), lang) if "*" in names else ", ".join(names),
                       created=format_local_time(endpoint.created_at, timezone))


class WebhookEndpointsState(SessionState):
    endpoints: list[EndpointRow] = []
    hook_error: str = ""
    hook_message: str = ""
    new_secret: str = ""
    new_url: str = ""
    remove_id: int = 0
    remove_url: str = ""

    def _reload(self, operator_id: int, timezone: str) -> None:
        self.endpoints = [_row(endpoint, timezone, self.lang) for endpoint in webhooks.list_endpoints(operator_id)]

    def _clear_messages(self) -> None:
        self.hook_error, self.hook_message = "", ""

    @rx.event
    @dashboard_action("hook_error", owner=True)
    def load(self, who: SignedIn):
        self.new_secret, self.new_url = "", ""
        self.remove_id, self.remove_url = 0, ""
        self._reload(who.operator_id, who.timezone)
        return None

    @rx.event
    @dashboard_action("hook_error", owner=True)
    def add(self, who: SignedIn, form: dict):
        chosen = [name for name in EVENT_TYPES if form.get(f"event-{name}") in ("on", True, "true")]
        created = webhooks.create_endpoint(self._actor(who), str(form.get("url", "")), chosen or ["*"])
        self.new_url, self.new_secret = created.endpoint.url, created.secret
        self._reload(who.operator_id, who.timezone)
        return rx.set_value("endpoint-url", "")

    @rx.event
    def copy_secret(self):
        self.hook_message = self._t("Signing secret copied. It will not be shown again.")
        return rx.set_clipboard(self.new_secret)

    @rx.event
    def dismiss_secret(self):
        self.new_secret, self.new_url = "", ""

    @rx.event
    def ask_remove(self, endpoint_id: int):
        row = next((row for row in self.endpoints if row.id == endpoint_id), None)
        if row is not None:
            self.remove_id, self.remove_url = row.id, row.url

    @rx.event
    def keep(self):
        self.remove_id, self.remove_url = 0, ""

    @rx.event
    @dashboard_action("hook_error", owner=True)
    def confirm_remove(self, who: SignedIn):
        try:
            removed = webhooks.remove_endpoint(self._actor(who), self.remove_id)
        finally:  # refused or not, the dialog closes on the endpoints as they are now
            self.remove_id, self.remove_url = 0, ""
            self._reload(who.operator_id, who.timezone)
        self.hook_message = self._t("{url} removed: nothing more is sent to it.", url=removed.url)
