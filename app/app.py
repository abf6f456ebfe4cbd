"""The Reflex app: pages registered, the REST API mounted."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import NamedTuple

import reflex as rx
from reflex.event import EventType
from starlette.types import ASGIApp

from app import background
from app.api import api_first, create_api
from app.components.device_frame import DEVICE_PAGE_META
from app.components.legacy_secrets import legacy_secrets_script
from app.components.storage_fallback import storage_fallback_script
from app.pages.audit import audit_page
from app.pages.auth import login_page, signup_page
from app.pages.card_page import CARD_PAGE_META, card_page
from app.pages.cards import card_detail_page, cards_page
from app.pages.developers import developers_page
from app.pages.device import activate_page
from app.pages.home import home_page
from app.pages.landing import landing_page
from app.pages.location_import import location_import_page
from app.pages.locations.detail import location_detail_page
from app.pages.locations.form import location_edit_page, location_new_page
from app.pages.locations.listing import locations_page
from app.pages.outbox import outbox_page
from app.pages.pos_partners import pos_partners_page
from app.pages.reconciliation import reconciliation_page
from app.pages.redeem import redeem_page
from app.pages.reports import reports_page
from app.pages.settings import settings_page
from app.pages.settlements import settlements_page
from app.pages.shop import SHOP_META, embed_page, shop_page
from app.pages.shop_admin import orders_page, widget_page
from app.pages.shop_index import shop_index_page
from app.pages.team import join_page, team_page
from app.services.core import events
from app.state.audit import AuditState
from app.state.auth import LoginState, SignupState
from app.state.card_detail import CardDetailState
from app.state.card_page import CardPageState
from app.state.cards import CardsState
from app.state.delivery_settings import DeliverySettingsState
from app.state.developers import DevelopersState
from app.state.device import ActivateState
from app.state.feed import OperatorFeedBridge
from app.state.first_steps import FirstStepsState
from app.state.home import HomeState
from app.state.live import LiveBridge
from app.state.location_import import LocationImportState
from app.state.locations.form import LocationFormState
from app.state.locations.listing import LocationsState
from app.state.locations.screen import LocationDetailState
from app.state.network_settings import NetworkLanguagesState, NetworkSettingsState
from app.state.outbox import OutboxState
from app.state.payout_schedule import PayoutScheduleState
from app.state.pos_partners import PosPartnersState
from app.state.reconciliation import ReconciliationState
from app.state.redeem import RedeemState
from app.state.reports import ReportsState
from app.state.settings import SettingsState
from app.state.settlements import SettlementsState
from app.state.shop import ShopState
from app.state.shop_admin import OrdersState, WidgetState
from app.state.shop_index import ShopIndexState
from app.state.team import JoinState, TeamState
from app.state.webhook_endpoints import WebhookEndpointsState


class Page(NamedTuple):
    """One page of the app: where it lives, what builds it, its title, what runs as it opens."""

    route: str
    component: Callable[[], rx.Component]
    title: str
    on_load: EventType[()] | list[EventType[()]] | None = None
    meta: list[dict[str, str]] | None = None


# Every page, as a map of the site.
# A public page says in a comment what stands in for a session.
PAGES = [
    Page("/", landing_page, "Giftnet: gift cards for a network of local businesses", LoginState.redirect_if_signed_in),
    Page("/login", login_page, "Sign in | Giftnet", LoginState.redirect_if_signed_in),
    Page("/signup", signup_page, "Create your network | Giftnet", SignupState.use_browser_language),
    Page("/dashboard", home_page, "Activity | Giftnet", [HomeState.load, FirstStepsState.load]),
    Page("/cards", cards_page, "Cards | Giftnet", CardsState.load),
    Page("/cards/[card_id]", card_detail_page, "Card | Giftnet", CardDetailState.load),
    Page("/outbox", outbox_page, "Outbox | Giftnet", OutboxState.load),
    Page("/audit", audit_page, "Audit trail | Giftnet", AuditState.load),
    # The recipient's card page: public, the link token is the credential.
    Page("/c/[link_token]", card_page, "Your gift card", CardPageState.load, meta=CARD_PAGE_META),
    Page("/locations", locations_page, "Locations | Giftnet", LocationsState.load),
    Page("/locations/new", location_new_page, "New location | Giftnet", LocationFormState.load_new),
    Page("/locations/import", location_import_page, "Import locations | Giftnet", LocationImportState.load),
    Page("/locations/[location_id]", location_detail_page, "Location | Giftnet", LocationDetailState.load),
    Page("/locations/[location_id]/edit", location_edit_page, "Edit location | Giftnet", LocationFormState.load_edit),
    # The counter device's side: public, the activation link and the device secret are the credentials.
    Page("/activate/[activation_token]", activate_page, "Activate this device | Giftnet", ActivateState.load,
         meta=DEVICE_PAGE_META),
    Page("/reconciliation", reconciliation_page, "Reconciliation | Giftnet", ReconciliationState.load),
    Page("/redeem", redeem_page, "Redeem | Giftnet", RedeemState.load, meta=DEVICE_PAGE_META),
    Page("/reports", reports_page, "Reports | Giftnet", ReportsState.load),
    Page("/widget", widget_page, "Shop and widget | Giftnet", WidgetState.load),
    Page("/orders", orders_page, "Orders | Giftnet", OrdersState.load),
    # The shop: public, anyone may buy. /embed is meant to be framed by operators' sites (no frame-blocking headers).
    # `/shop` without an address: what a shop is, and a signed-in person's own.
    Page("/shop", shop_index_page, "Gift card shops | Giftnet", ShopIndexState.load),
    Page("/shop/[slug]", shop_page, "Gift cards", ShopState.load, meta=SHOP_META),
    Page("/embed/[slug]", embed_page, "Gift cards", ShopState.load, meta=SHOP_META),
    Page("/developers", developers_page, "Developers | Giftnet", [DevelopersState.load, WebhookEndpointsState.load]),
    Page("/settlements", settlements_page, "Settlements | Giftnet", SettlementsState.load),
    Page("/settings", settings_page, "Settings | Giftnet",
         [SettingsState.load, PayoutScheduleState.load, DeliverySettingsState.load, NetworkSettingsState.load,
          NetworkLanguagesState.load]),
    Page("/team", team_page, "Team | Giftnet", TeamState.load),
    # Which POS systems work with the network and what each needs: public, nothing of any operator on it.
    Page("/pos-partners", pos_partners_page, "POS partners | Giftnet", PosPartnersState.load),
    # An invitation's link: public, the link token is the credential (it works once).
    Page("/join/[join_token]", join_page, "Join your team | Giftnet", JoinState.load),
]


class GiftnetApp(rx.App):
    """Reflex's app, whose ASGI entry point hands /api/v1 straight to the REST API."""

    def __call__(self) -> ASGIApp:
        return api_first(super().__call__(), API)


API = create_api()
app = GiftnetApp(
    theme=rx.theme(accent_color="teal", radius="medium", scaling="105%"),
    # Darker steps of the theme's colours (white on the buttons at least 4.5:1) and a visible focus ring.
    stylesheets=["/a11y.css"],
    # The API owns /api/v1 and, mounted at its root, Reflex's backend: its middlewares (security
    # headers) see every HTTP answer of the single port. /api/v1 itself skips Reflex's outer stack.
    api_transformer=API,
    # The shop widget runs in third-party iframes, where storage may be refused.
    head_components=[storage_fallback_script(), legacy_secrets_script(), rx.el.link(rel="icon", href="/favicon.ico", type="image/x-icon")],
)
for page in PAGES:
    # Without meta of its own, a page keeps Reflex's default tags.
    extra = {"meta": page.meta} if page.meta is not None else {}
    app.add_page(page.component, route=page.route, title=page.title, on_load=page.on_load, **extra)

# Live screens: events from the services reach the shared state of open screens; with
# Redis, events of processes without screens (CLI, `app.cli jobs`) reach one worker.
app.register_lifespan_task(LiveBridge(app).run)
app.register_lifespan_task(OperatorFeedBridge(app).run)
app.register_lifespan_task(events.receive_forever)
# Background jobs (outbox with SMTP_URL, webhooks, POS expiry, daily summaries) claim their
# rows, so every worker may run them; BACKGROUND_JOBS=off leaves them to `app.cli jobs`.
if background.run_in_workers():
    for job in background.jobs():
        app.register_lifespan_task(job)


def freeze_start_up_heap() -> None:
    """Set what start-up built (pages, states, models: about 300,000 objects) aside from the
    garbage collector: every full collection walked them all, a pause of 100-200 ms in the
    middle of some counter's request. Objects made after start-up are collected as before."""
    gc.collect()
    gc.freeze()


# Registered last: it runs once per worker, after the tasks above were started.
app.register_lifespan_task(freeze_start_up_heap)
