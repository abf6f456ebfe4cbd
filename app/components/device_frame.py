"""The frame every screen of a counter device stands in: the activation page
(app/pages/device.py) and the counter's refusals (app/pages/redeem.py). Built for a
tablet on a counter: big type, big targets, one thing per screen."""

from __future__ import annotations

import reflex as rx

from app.components.layout import page_ready_marker

# The link is a credential: keep it out of Referer headers and search engines.
DEVICE_PAGE_META = [{"name": "referrer", "content": "no-referrer"}, {"name": "robots", "content": "noindex, nofollow"}]


def device_frame(*children: rx.Component, top: rx.Component | None = None) -> rx.Component:
    """One card in the middle of the screen, on the device's grey; `top` above it."""
    return rx.box(
        top or rx.fragment(),
        rx.center(
            rx.card(
                rx.vstack(*children, spacing="5", width="100%", align="center"),
                width="100%",
                max_width="640px",
                padding="36px 28px",
                size="4",
            ),
            padding="24px 16px",
            width="100%",
        ),
        page_ready_marker(),
        min_height="100vh",
        width="100%",
        background=rx.color("gray", 2),
    )


def brand() -> rx.Component:
    """Giftnet's mark at the top of a device's card."""
    return rx.hstack(rx.icon("gift", size=28, color=rx.color("accent", 10)), rx.heading("Giftnet", size="5"),
                     align="center", spacing="2")


def loading(element_id: str) -> rx.Component:
    """What a device screen shows until it knows what this browser is (`element_id` for tests)."""
    return rx.center(rx.spinner(size="3"), id=element_id, padding="48px")


def device_notice(icon: str, icon_color: str, title: str | rx.Var, *body: rx.Component, title_id: str | None = None,
                  spacing: str = "4") -> rx.Component:
    """One answer of a device screen, readable across the counter: a big icon, the title, then `body`
    (what happened, what to do next)."""
    return rx.vstack(
        rx.icon(icon, size=56, color=rx.color(icon_color, 10)),
        rx.heading(title, size="7", text_align="center", id=title_id),
        *body,
        align="center",
        spacing=spacing,
        width="100%",
    )
