"""Sections whose capability has not landed yet say so plainly, with what they will hold."""

from __future__ import annotations

import reflex as rx

from app.components.layout import dashboard_shell, page_title

# Sections announced before their capability lands: {"section": ("Title", "what it will hold. Not available yet.")}.
# Settlements and Settings have landed (app/pages/settlements.py, app/pages/settings.py).
UPCOMING_SECTIONS: dict[str, tuple[str, str]] = {}


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
