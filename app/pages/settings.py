"""Settings: card limits, commission, NACHA and CPA-005 bank file settings."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.language_settings import language_settings_card
from app.components.layout import dashboard_shell, error_callout, owners_only, page_title, success_callout
from app.components.prenote_setting import prenote_switch
from app.components.timezone_select import timezone_settings_card
from app.pages.payout_schedule import payout_schedule_card
from app.pages.settings_delivery import delivery_section
from app.state.language import N_
from app.state.settings import (
    CPA005_FIELDS,
    FRENCH_BANK_TEXT,
    GENERAL_FIELDS,
    NACHA_FIELDS,
    SettingsState,
    field_dom_id,
)


def _field(key: str, label: str, hint: str, max_length: int) -> rx.Component:
    element_id = field_dom_id(key)  # settings-<field>
    if key in FRENCH_BANK_TEXT:  # the bank rules' words: French written by the state
        french_label, french_hint = FRENCH_BANK_TEXT[key]
        label_text = rx.cond(SettingsState.lang == "fr", french_label, label)
        hint_text = rx.cond(SettingsState.lang == "fr", french_hint, hint) if hint else hint
    else:
        label_text, hint_text = t(label), (t(hint) if hint else hint)
    limit = ({"max_length": max_length} if max_length else {}) | ({"aria_describedby": element_id + "-hint"} if isinstance(hint, rx.Var) or hint else {})
    return rx.vstack(
        rx.el.label(label_text, html_for=element_id),
        rx.input(id="settings-" + element_id.removeprefix("settings-"), value=SettingsState.values[key], placeholder=SettingsState.placeholders[key],
                 on_change=lambda value: SettingsState.set_value(key, value), size="3", width="100%", **limit),
        rx.cond(hint != "", rx.text(hint_text, size="1", color=rx.color("gray", 11), id=element_id + "-hint")),
        rx.cond(
            SettingsState.field_errors.contains(key),
            rx.text(SettingsState.field_errors[key], id=element_id + "-error", color=rx.color("red", 11), size="2",
                    role="alert"),
        ),
        spacing="1", width="100%",
    )


def _section(title: str, fields: list[tuple[str, str, str, int]], missing: rx.Var | None = None,
             element_id: str | None = None) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4"),
            *([rx.cond(missing != "", rx.text(t("Still needed for a bank file: "), missing, size="2",
                                              color=rx.color("amber", 11)))] if missing is not None else []),
            rx.grid(*[_field(*field) for field in fields], columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3", width="100%"),
            spacing="3", width="100%",
        ),
        width="100%",
        **({"id": element_id} if element_id else {}),
    )


def settings_page() -> rx.Component:
    return dashboard_shell(
        owners_only(rx.vstack(
            page_title(t("Settings"), t("Card limits, commission and the bank file settings for payouts.")),
            error_callout(SettingsState.settings_error, "settings-error"),
            success_callout(SettingsState.settings_saved, "settings-saved", icon="check"),
            _section(t("Cards and commission"), GENERAL_FIELDS),
            rx.cond(SettingsState.show_nacha,
                    _section(t("NACHA (US payouts)"), NACHA_FIELDS, SettingsState.nacha_missing, "settings-nacha")),
            rx.cond(SettingsState.show_cpa005,
                    _section(t("CPA-005 (Canadian payouts)"), CPA005_FIELDS, SettingsState.cpa005_missing,
                             "settings-cpa005")),
            rx.button(t("Save settings"), id="settings-save", size="3", on_click=SettingsState.save),
            timezone_settings_card(),
            language_settings_card(),
            prenote_switch(),
            payout_schedule_card(),
            delivery_section(),
            rx.card(
                rx.hstack(
                    rx.vstack(
                        rx.heading(t("Daily summary email"), size="4"),
                        rx.text(t("Every morning (from 6:00 in the network's time zone) the owners get yesterday's "
                                "cards sold, top-ups, redemptions and the outstanding liability. Saved at once."),
                                size="2", color=rx.color("gray", 11)),
                        rx.cond(SettingsState.daily_summary_note != "",
                                rx.text(SettingsState.daily_summary_note, id="settings-daily-summary-note", size="2",
                                        weight="medium", role="status",
                                        color=rx.cond(SettingsState.daily_summary_refused, rx.color("red", 11),
                                                      rx.color("green", 11)))),
                        spacing="1",
                    ),
                    rx.switch(id="settings-daily-summary", checked=SettingsState.daily_summary,
                              on_change=SettingsState.set_daily_summary, size="3", aria_label=t("Daily summary email")),
                    justify="between", align="center", spacing="4", width="100%",
                ),
                width="100%",
            ),
            spacing="4", width="100%",
        ), N_("The Settings screen")),
        active="settings",
    )
