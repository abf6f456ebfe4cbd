"""/locations/<id>: one location, its details, then a card per part of it."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, success_callout
from app.pages.locations.devices import devices_card
from app.pages.locations.items import items_card
from app.pages.locations.layout import active_badge, back_to_locations, section
from app.pages.locations.money import money_card
from app.pages.locations.pos import pos_keys_card, square_card
from app.pages.locations.pos_partners import pos_partner_cards
from app.pages.locations.pos_setup import pos_setup_card
from app.pages.locations.redemptions import redemptions_card
from app.pages.locations.webhooks import notifications_card
from app.state.locations.screen import LocationDetailState

state = LocationDetailState


def _fact(label: str, value: rx.Var, element_id: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color=rx.color("gray", 11)),
        rx.text(value, size="3", weight="medium", id=element_id, style={"overflowWrap": "anywhere"}),
        spacing="0",
    )


def _details_card() -> rx.Component:
    loc = state.location
    return section(
        t("Details"),
        rx.grid(
            _fact(t("Email"), loc.email, "location-detail-email"),
            _fact(t("Phone"), loc.phone, "location-detail-phone"),
            _fact(t("Address"), loc.address, "location-detail-address"),
            _fact(t("External id"), loc.external_id, "location-detail-external-id"),
            _fact(t("Counter takes"), loc.mode_label, "location-detail-mode"),
            _fact(t("Item webhook"), loc.item_webhook_url, "location-detail-item-webhook"),
            _fact(t("Email redeemed items"), loc.notify_items_email, "location-detail-notify-email"),
            _fact(t("Notification webhook"), loc.notify_webhook_url, "location-detail-notify-webhook"),
            _fact(t("Commission"), loc.commission, "location-detail-commission"),
            _fact(t("Payout account"), loc.bank, "location-detail-bank"),
            _fact(t("Test location"), loc.test_location, "location-detail-test"),
            _fact(t("Created"), loc.created, "location-detail-created"),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="4",
            width="100%",
        ),
        rx.text(loc.mode_hint, size="2", color=rx.color("gray", 11)),
    )


def location_detail_page() -> rx.Component:
    loc = state.location
    found = rx.vstack(
        back_to_locations(),
        rx.flex(
            rx.heading(loc.name, size="7", id="location-detail-name"),
            active_badge(loc.active, "location-detail-active"),
            rx.spacer(),
            rx.link(rx.button(rx.icon("pencil"), t("Edit"), size="3", variant="soft", id="location-edit"),
                    href="/locations/" + loc.id.to_string() + "/edit"),
            align="center",
            gap="12px",
            width="100%",
            wrap="wrap",
        ),
        success_callout(state.action_message, "location-action-message"),
        error_callout(state.action_error, "location-action-error"),
        _details_card(),
        devices_card(),
        pos_setup_card(),
        rx.cond(state.is_owner, pos_keys_card()),  # keys are for owners (app/services/core/roles.py)
        items_card(),
        square_card(),  # connecting Square is how POS payments start: shown before they are on
        pos_partner_cards(),  # Clover, Shopify POS, then the POS payments and the POS log
        redemptions_card(),
        money_card(),
        notifications_card(),
        spacing="4",
        width="100%",
    )
    return dashboard_shell(
        rx.cond(
            state.not_found,
            rx.callout(t("No such location in your network."), icon="triangle-alert", color_scheme="red",
                       id="location-not-found"),
            found,
        ),
        active="locations",
    )
