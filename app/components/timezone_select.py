"""The time zone select of the sign-up and Settings screens: the IANA zones grouped by
region (common North American zones first), each city in words, so a zone is chosen, never
typed. A native select: the keyboard's type-ahead finds "New York" by typing it."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.state.network_settings import TIMEZONE_GROUPS, NetworkSettingsState

SELECT_STYLE = {
    "height": "40px", "width": "100%", "padding": "0 10px", "font_size": "16px", "border_radius": "6px",
    "border": "1px solid var(--gray-a7)", "background": "var(--color-surface)", "color": "var(--gray-12)",
}


def _options() -> list[rx.Component]:
    return [
        rx.el.optgroup(*[rx.el.option(label, value=zone) for zone, label in zones], label=title)
        for title, zones in TIMEZONE_GROUPS
    ]


def timezone_select(element_id: str, **props) -> rx.Component:  # noqa: ANN003 - the select's own (name, value, on_change)
    """The grouped select; `props` make it a form field (`name`, `default_value`) or a controlled one."""
    return rx.el.select(*_options(), id=element_id, style=SELECT_STYLE, **props)


def timezone_settings_card() -> rx.Component:
    """Settings: the network's time zone, saved by its own button."""
    return rx.card(
        rx.vstack(
            rx.heading(t("Time zone"), size="4"),
            rx.text(t("The network's days (Activity, reports, the daily summary) and payout cut-offs follow it."),
                    size="2", color=rx.color("gray", 11)),
            rx.el.label(t("Time zone"), html_for="settings-timezone", style={"font_weight": "500"}),
            timezone_select("settings-timezone", value=NetworkSettingsState.timezone,
                            on_change=NetworkSettingsState.set_timezone),
            error_callout(NetworkSettingsState.timezone_error, "settings-timezone-error"),
            success_callout(NetworkSettingsState.timezone_saved, "settings-timezone-saved", icon="check"),
            rx.button(t("Save time zone"), id="settings-timezone-save", size="3",
                      on_click=NetworkSettingsState.save_timezone),
            spacing="2", width="100%", max_width="480px",
        ),
        width="100%",
    )
