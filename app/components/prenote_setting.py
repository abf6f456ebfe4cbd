"""The Settings screen's NACHA prenote switch (saved at once): whether new or changed US bank
details get a zero-dollar prenote first (app/services/settlement/prenotes.py)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.settings import SettingsState


def prenote_switch() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.heading(t("NACHA prenotes"), size="4"),
                rx.text(t("Many US banks expect a zero-dollar prenote when a location's bank details are new or "
                        "changed: the next NACHA file carries it, and the location's first payment waits until "
                        "three banking days after it settles. Saved at once."), size="2", color=rx.color("gray", 11)),
                rx.cond(SettingsState.nacha_prenotes_note != "",
                        rx.text(SettingsState.nacha_prenotes_note, id="settings-nacha-prenotes-note", size="2",
                                weight="medium", role="status")),
                spacing="1",
            ),
            rx.switch(id="settings-nacha-prenotes", checked=SettingsState.nacha_prenotes,
                      on_change=SettingsState.set_nacha_prenotes, size="3", aria_label=t("NACHA prenotes")),
            justify="between", align="center", spacing="4", width="100%",
        ),
        width="100%",
    )
