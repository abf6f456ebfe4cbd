"""Small status pieces shared by screens."""

from __future__ import annotations

import reflex as rx


def status_badge(status: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, ("active", "green"), ("frozen", "blue"), "gray"),
        size="2",
        id=element_id,
    )
