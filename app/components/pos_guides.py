"""The POS partners' setup guides as tabs, one per partner: what it needs, then numbered
steps with the address to paste and a Copy button. Shown on /pos-partners (any location)
and in each location's POS settings (that location's addresses)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t


def _step(step: rx.Var, partner: rx.Var) -> rx.Component:
    return rx.flex(
        rx.badge(step.number, size="3", radius="full", variant="solid", style={"minWidth": "32px",
                                                                              "justifyContent": "center"}),
        rx.vstack(
            rx.text(step.text, size="3"),
            rx.cond(
                step.copy != "",
                rx.flex(
                    rx.code(step.copy, size="3", id="pos-guide-url-" + partner, style={"wordBreak": "break-all"}),
                    rx.button(rx.icon("copy", size=16), t("Copy"), size="3", variant="soft", color_scheme="gray",
                              id="pos-guide-copy-" + partner, on_click=rx.set_clipboard(step.copy)),
                    gap="8px", align="center", wrap="wrap",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        gap="12px",
        align="start",
        width="100%",
    )


def _guide(guide: rx.Var, show_needs: bool) -> rx.Component:
    needs = rx.vstack(
        rx.text(t("What it needs"), size="2", weight="bold", color=rx.color("gray", 11)),
        rx.el.ul(rx.foreach(guide.needs, lambda need: rx.el.li(rx.text(need, size="3"))),
                 style={"paddingLeft": "20px", "margin": "0"}),
        spacing="1",
        width="100%",
    )
    return rx.vstack(
        rx.text(guide.summary, size="3", weight="medium"),
        needs if show_needs else rx.fragment(),
        rx.vstack(rx.foreach(guide.steps, lambda step: _step(step, guide.key)), spacing="4", width="100%",
                  id="pos-guide-steps-" + guide.key),
        spacing="3",
        width="100%",
        padding_top="12px",
    )


def guide_tabs(guides: rx.Var, *, show_needs: bool = False) -> rx.Component:
    """A tab per partner (Square first); `guides` is a list of GuideView (app/state/locations/pos_setup.py)."""
    return rx.tabs.root(
        rx.tabs.list(
            rx.foreach(guides, lambda guide: rx.tabs.trigger(guide.name, value=guide.key,
                                                             id="pos-guide-tab-" + guide.key,
                                                             style={"minHeight": "44px"})),
            size="2",
            style={"flexWrap": "wrap"},
        ),
        rx.foreach(guides, lambda guide: rx.tabs.content(
            # The id sits inside: the tab's aria-controls names the content's own (Radix) id.
            rx.box(_guide(guide, show_needs), id="pos-guide-" + guide.key), value=guide.key)),
        default_value="square",
        width="100%",
    )


def guide_cards(guides: rx.Var) -> rx.Component:
    """Every partner at once, a card each: what it needs, then its steps (the public page)."""
    return rx.vstack(
        rx.foreach(guides, lambda guide: rx.card(
            rx.vstack(rx.heading(guide.name, size="5", id="pos-partner-" + guide.key), _guide(guide, True),
                      spacing="2", width="100%"),
            width="100%", size="3")),
        spacing="4",
        width="100%",
    )
