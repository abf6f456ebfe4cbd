"""The Reflex app: pages registered, the REST API mounted."""

from __future__ import annotations

import reflex as rx

from app import background
from app.api import create_api
from app.components.device_frame import DEVICE_PAGE_META
from app.components.storage_fallback import storage_fallback_script
from app.pages.audit import audit_page
from app.pages.auth import login_page, signup_page
from app.pages.card_page import CARD_PAGE_META, card_page
from app.pages.cards import card_detail_page, cards_page
from app.pages.developers import developers_page
from app.pages.device import activate_page
from app.pages.home import home_page
from app.pages.location_import import location_import_page
from app.pages.locations.detail import location_detail_page
from app.pages.locations.form import location_edit_page, location_new_page
from app.pages.locations.listing import locations_page
from app.pages.outbox import outbox_page
from app.pages.reconciliation import reconciliation_page
from app.pages.redeem import redeem_page
from app.pages.reports import reports_page
from app.pages.settings import settings_page
from app.pages.settlements import settlements_page
from app.pages.shop import SHOP_META, embed_page, shop_page
from app.pages.shop_admin import orders_page, widget_page
from app.pages.team import join_page, team_page
from app.pages.upcoming import UPCOMING_SECTIONS, upcoming_page
from app.services.core import events
from app.state.audit import AuditState
from app.state.auth import LoginState
from app.state.card_detail import CardDetailState
from app.state.card_page import CardPageState
from app.state.cards import CardsState
from app.state.developers import DevelopersState
from app.state.device import ActivateState
from app.state.feed import OperatorFeedBridge
from app.state.home import HomeState
from app.state.live import LiveBridge
from app.state.location_import import LocationImportState
from app.state.locations.form import LocationFormState
from app.state.locations.listing import LocationsState
from app.state.locations.screen import LocationDetailState
from app.state.outbox import OutboxState
from app.state.reconciliation import ReconciliationState
from app.state.redeem import RedeemState
from app.state.reports import ReportsState
from app.state.settings import SettingsState
from app.state.settlements import SettlementsState
from app.state.shop import ShopState
from app.state.shop_admin import OrdersState, WidgetState
from app.state.team import JoinState, TeamState
from app.state.webhook_endpoints import WebhookEndpointsState


def index() -> rx.Component:
    return rx.center(rx.spinner(size="3"), height="100vh")


app = rx.App(
    theme=rx.theme(accent_color="teal", radius="medium", scaling="105%"),
    api_transformer=create_api(),
    # The shop widget runs in third-party iframes, where storage may be refused.
    head_components=[storage_fallback_script()],
)
app.add_page(index, route="/", title="Giftnet", on_load=LoginState.redirect_if_signed_in_or_login)
app.add_page(login_page, route="/login", title="Sign in | Giftnet", on_load=LoginState.redirect_if_signed_in)
app.add_page(signup_page, route="/signup", title="Create your network | Giftnet")
app.add_page(home_page, route="/dashboard", title="Activity | Giftnet", on_load=HomeState.load)
app.add_page(cards_page, route="/cards", title="Cards | Giftnet", on_load=CardsState.load)
app.add_page(card_detail_page, route="/cards/[card_id]", title="Card | Giftnet", on_load=CardDetailState.load)
app.add_page(outbox_page, route="/outbox", title="Outbox | Giftnet", on_load=OutboxState.load)
app.add_page(audit_page, route="/audit", title="Audit trail | Giftnet", on_load=AuditState.load)
# The recipient's card page: public, the link token is the credential.
app.add_page(card_page, route="/c/[link_token]", title="Your gift card", on_load=CardPageState.load, meta=CARD_PAGE_META)
app.add_page(locations_page, route="/locations", title="Locations | Giftnet", on_load=LocationsState.load)
app.add_page(location_new_page, route="/locations/new", title="New location | Giftnet", on_load=LocationFormState.load_new)
app.add_page(location_import_page, route="/locations/import", title="Import locations | Giftnet", on_load=LocationImportState.load)
app.add_page(location_detail_page, route="/locations/[location_id]", title="Location | Giftnet", on_load=LocationDetailState.load)
app.add_page(location_edit_page, route="/locations/[location_id]/edit", title="Edit location | Giftnet", on_load=LocationFormState.load_edit)
# The counter device's side: public, the activation link and the device secret are the credentials.
app.add_page(activate_page, route="/activate/[activation_token]", title="Activate this device | Giftnet", on_load=ActivateState.load, meta=DEVICE_PAGE_META)
app.add_page(reconciliation_page, route="/reconciliation", title="Reconciliation | Giftnet", on_load=ReconciliationState.load)
app.add_page(redeem_page, route="/redeem", title="Redeem | Giftnet", on_load=RedeemState.load, meta=DEVICE_PAGE_META)
app.add_page(reports_page, route="/reports", title="Reports | Giftnet", on_load=ReportsState.load)
app.add_page(widget_page, route="/widget", title="Shop and widget | Giftnet", on_load=WidgetState.load)
app.add_page(orders_page, route="/orders", title="Orders | Giftnet", on_load=OrdersState.load)
# The shop: public, anyone may buy. /embed is meant to be framed by operators' sites (no frame-blocking headers).
app.add_page(shop_page, route="/shop/[slug]", title="Gift cards", on_load=ShopState.load, meta=SHOP_META)
app.add_page(embed_page, route="/embed/[slug]", title="Gift cards", on_load=ShopState.load, meta=SHOP_META)
app.add_page(developers_page, route="/developers", title="Developers | Giftnet",
             on_load=[DevelopersState.load, WebhookEndpointsState.load])
app.add_page(settlements_page, route="/settlements", title="Settlements | Giftnet", on_load=SettlementsState.load)
app.add_page(settings_page, route="/settings", title="Settings | Giftnet", on_load=SettingsState.load)
app.add_page(team_page, route="/team", title="Team | Giftnet", on_load=TeamState.load)
# An invitation's link: public, the link token is the credential (it works once).
app.add_page(join_page, route="/join/[join_token]", title="Join your team | Giftnet", on_load=JoinState.load)
for section in UPCOMING_SECTIONS:
    app.add_page(
        upcoming_page(section),
        route=f"/{section}",
        title=f"{section.title()} | Giftnet",
        on_load=LoginState.require_login,
    )

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
