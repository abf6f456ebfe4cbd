"""/pos-partners: public. Which POS systems bring their gift card payments to the counter
screens (Square, Clover, Shopify POS, any POS through the API), and what each needs."""

from __future__ import annotations

import reflex as rx

from app.components.device_frame import brand
from app.components.i18n import language_picker, t
from app.components.layout import page_ready_marker
from app.components.pos_guides import guide_cards
from app.state.pos_partners import PosPartnersState


def pos_partners_page() -> rx.Component:
    return rx.box(
        rx.vstack(
            rx.flex(rx.link(brand(), href="/", underline="none", id="pos-partners-home"), rx.spacer(),
                    language_picker(PosPartnersState, id="pos-partners-language"), width="100%", align="center",
                    wrap="wrap", gap="12px"),
            rx.heading(t("POS partners"), size="8", id="pos-partners-title"),
            rx.text(t("A business in the network takes the gift card on its own POS, with a tender (or payment "
                      "method) named for the network's gift card. The payment then appears by itself on the "
                      "business's counter screen, where the merchant opens the card and taps SELECT. The counter can "
                      "also take a typed amount, as a fallback while the POS is down."), size="4"),
            rx.text(t("Each business finds these steps with its own addresses in the network's dashboard: "
                      "Locations → the business → POS setup guide, with a button that sends a test payment to its "
                      "counter."), size="3", color=rx.color("gray", 11)),
            guide_cards(PosPartnersState.guides),
            page_ready_marker(),
            spacing="5",
            width="100%",
            max_width="900px",
            margin="0 auto",
            padding="32px 20px",
        ),
        min_height="100vh",
        width="100%",
        background=rx.color("gray", 2),
    )
