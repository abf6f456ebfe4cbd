"""`/` for a visitor without a session: what Giftnet is, in a few words, beside the sign-in
form (a signed-in person goes on to the dashboard)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import page_ready_marker
from app.pages.auth import sign_in_form
from app.state.language import N_

POINTS = (
    ("store", N_("Sell gift cards that every business in your network accepts: online, in your shop and its "
                 "widget, or from the dashboard.")),
    ("activity", N_("Watch card sales and redemptions live, at every counter.")),
    ("landmark", N_("Pay each business for what its customers redeemed there, by bank file.")),
)


def _pitch() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.icon("gift", size=32), rx.heading("Giftnet", size="8"), align="center"),
        rx.heading(t("Gift cards for a network of local businesses"), size="6", weight="medium", id="landing-title"),
        rx.text(t("For a downtown association, a city or a chamber of commerce: one gift card, accepted all over "
                  "town."),
                size="4", color=rx.color("gray", 11)),
        rx.vstack(
            *[rx.hstack(rx.icon(icon, size=22, color=rx.color("teal", 11), flex_shrink="0", aria_hidden="true"),
                        rx.text(t(words), size="3"), align="start", spacing="3")
              for icon, words in POINTS],
            spacing="3",
            id="landing-points",
        ),
        rx.text(
            t("New network? "),
            rx.link(t("Create your network"), href="/signup", id="landing-signup-link", weight="bold",
                    display="inline-block", padding_y="10px"),
            size="3",
        ),
        rx.text(
            t("Run a point of sale? "),
            rx.link(t("See the POS partners"), href="/pos-partners", id="landing-pos-partners-link",
                    display="inline-block", padding_y="10px"),
            size="3",
        ),
        spacing="4",
        max_width="520px",
        id="landing-pitch",
    )


def landing_page() -> rx.Component:
    return rx.center(
        rx.flex(
            _pitch(),
            rx.card(sign_in_form(), width="100%", max_width="420px", padding="32px", flex_shrink="0"),
            direction=rx.breakpoints(initial="column", md="row"),
            gap="48px",
            align="center",
            justify="center",
            width="100%",
            max_width="1040px",
        ),
        page_ready_marker(),
        min_height="100vh",
        padding="24px",
        background=rx.color("gray", 2),
    )
