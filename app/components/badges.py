"""Small status pieces shared by screens."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t


def status_badge(status: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    return rx.badge(
        rx.match(status, ("active", t("active")), ("frozen", t("frozen")), status),
        color_scheme=rx.match(status, ("active", "green"), ("frozen", "blue"), "gray"),
        size="2",
        id=element_id,
    )
