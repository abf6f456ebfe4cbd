"""The pieces every Locations screen is built of."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from app.components.dialogs import confirm_dialog
from app.components.i18n import t
from app.state.locations.parts import ConfirmedRow


def active_badge(active: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    return rx.badge(
        rx.cond(active, "active", "inactive"), color_scheme=rx.cond(active, "green", "gray"), size="2", id=element_id
    )


def back_to_locations() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=18), rx.text(t("All locations")), align="center", spacing="1"),
        href="/locations",
        id="location-back",
    )


def section(title: str, *children: rx.Component, description: str = "") -> rx.Component:
    """A titled card of the form or of one location's screen."""
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4"),
            rx.cond(description != "", rx.text(description, size="2", color=rx.color("gray", 11))),
            *children,
            spacing="3",
            width="100%",
        ),
        width="100%",
        size="3",
    )


def two_columns(*children: rx.Component) -> rx.Component:
    return rx.grid(*children, columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%")


def ask_button(state: type[ConfirmedRow], row: rx.Var, label: str, element_id: rx.Var, icon: str = "") -> rx.Component:
    """A row's red button that opens the part's confirmation dialog (`confirm_on_row`) for that row."""
    content = (rx.icon(icon, size=16), label) if icon else (label,)
    return rx.button(*content, size="2", color_scheme="red", variant="soft", id=element_id, on_click=state.ask(row.id))


def confirm_on_row(state: type[ConfirmedRow], *, title: str, consequence: str, confirm_label: str,
                   on_confirm: EventType, confirm_id: str, cancel_id: str) -> rx.Component:
    """How a location's screen asks before revoking or voiding a row of a part (a state with
    `ConfirmedRow`): the row named in bold, then what follows."""
    return confirm_dialog(
        open_=state.confirm_id != 0, title=title,
        description=rx.text(rx.text.strong(state.confirm_label), " ", consequence), description_size="3",
        confirm_label=confirm_label, confirm_id=confirm_id, on_confirm=on_confirm,
        cancel_label=t("Keep it"), cancel_id=cancel_id, cancel_color="gray", on_cancel=state.keep, max_width="460px",
        escape_cancels=True,
    )
