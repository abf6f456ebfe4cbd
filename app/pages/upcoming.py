"""Sections whose capability has not landed yet say so plainly, with what they will hold."""

from __future__ import annotations

import reflex as rx

from app.components.layout import dashboard_shell, page_title

UPCOMING_SECTIONS = {
    "settlements": (
        "Settlements",
        "What each business is owed, payout batches and NACHA / CPA-005 bank files. Not available yet.",
    ),
    "settings": (
        "Settings",
        "Card limits, commission, payment gateway and bank file settings. Not available yet.",
    ),
}


def upcoming_page(section: str):
    title, description = UPCOMING_SECTIONS[section]

    def page() -> rx.Component:
        return dashboard_shell(
            rx.vstack(
                page_title(title),
                rx.callout(description, icon="info", id=f"{section}-upcoming", size="3"),
                width="100%",
            ),
            active=section,
        )

    page.__name__ = f"{section}_page"
    return page
