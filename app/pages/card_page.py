"""The recipient's card page: balance, status, QR code and where to use it, big enough
to show across a counter from a phone."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import language_picker, t
from app.state.card_page import CardPageState

# Keep the link (a credential) out of Referer headers and search engines.
CARD_PAGE_META = [{"name": "referrer", "content": "no-referrer"}, {"name": "robots", "content": "noindex, nofollow"}]


def _valid_card() -> rx.Component:
    state = CardPageState
    return rx.vstack(
        rx.text(state.operator_name, size="5", weight="bold", id="card-page-operator", color=rx.color("accent", 11)),
        rx.text(t("Gift card {code}", code=state.masked_code), size="3", color=rx.color("gray", 11), id="card-page-code"),
        rx.text(t("Balance"), size="4", color=rx.color("gray", 11), margin_top="12px"),
        rx.text(state.balance, size="8", weight="bold", id="card-page-balance", line_height="1.1", text_align="center"),
        rx.hstack(rx.badge(rx.match(state.status, ("active", t("active")), ("frozen", t("frozen")), state.status),
                            color_scheme=rx.match(state.status, ("active", "green"), ("frozen", "blue"), "gray"),
                            size="2", id="card-page-status"), rx.text(state.status_label, size="3"), align="center", spacing="2", wrap="wrap", justify="center"),
        rx.cond(state.is_test, rx.callout(t("TEST CARD: bought in the shop's test mode, no real money was paid. "
                                          "It works only at the network's test locations."),
                                          icon="flask-conical", color_scheme="amber", id="card-page-test",
                                          width="100%", role="status")),
        rx.image(
            src=state.qr_src,
            alt=t("QR code of this card: show it at the counter"),
            id="card-page-qr",
            width="min(280px, 80vw)",
            height="auto",
            margin_top="16px",
            style={"imageRendering": "pixelated"},
        ),
        rx.text(t("Show this QR code, or the code from your email, at the counter."), size="3", text_align="center"),
        rx.callout(state.where_to_use, icon="store", size="3", id="card-page-where", width="100%"),
        # The PDF comes from the server (app/api/public.py), downloaded by the browser itself.
        rx.button(rx.icon("printer", size=18), t("Download printable card"), id="card-page-download-pdf", size="3",
                  variant="outline", on_click=rx.download(url=state.pdf_href, filename="gift-card.pdf")),
        align="center",
        spacing="3",
        width="100%",
    )


def _invalid_card() -> rx.Component:
    return rx.cond(
        CardPageState.limited_message != "",
        # Too many unknown card links from this address: say so, and look nothing up.
        rx.callout(CardPageState.limited_message, icon="timer", color_scheme="amber", size="3", role="alert",
                   id="card-page-limited", width="100%"),
        rx.callout(
            t("This card link is not valid anymore; ask the sender for a new one."),
            icon="link-2-off",
            color_scheme="red",
            size="3",
            role="alert",
            id="card-page-invalid",
            width="100%",
        ),
    )


def card_page() -> rx.Component:
    return rx.center(
        rx.card(
            rx.flex(language_picker(CardPageState, id="card-page-language"), justify="end", width="100%",
                    margin_bottom="8px"),
            rx.cond(
                CardPageState.checked,
                rx.cond(CardPageState.valid, _valid_card(), _invalid_card()),
                rx.center(rx.spinner(size="3"), id="card-page-loading", padding="48px"),
            ),
            width="100%",
            max_width="480px",
            padding="28px 20px",
        ),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
        align_items=["start", "center"],
    )
