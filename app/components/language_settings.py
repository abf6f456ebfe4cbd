"""Settings: the languages of the network, its default one and those people may choose from
(each person picks their own in the header; devices and shoppers pick theirs too)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.state.language import LANGUAGE_NAMES
from app.state.network_settings import NetworkLanguagesState

state = NetworkLanguagesState


def _offered(code: str) -> rx.Component:
    return rx.text(
        rx.hstack(
            rx.checkbox(id=f"settings-language-offered-{code}", checked=state.network_offered.contains(code),
                        on_change=lambda on: state.toggle_offered(code, on), size="3",
                        aria_label=LANGUAGE_NAMES[code]),
            rx.text(LANGUAGE_NAMES[code], size="3", lang=code),
            align="center", spacing="2", min_height="44px",
        ),
        as_="label",
    )


def language_settings_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("Languages"), size="4"),
            rx.text(t("The network's screens, emails and cards are in its default language unless a person, a "
                      "counter device or a shopper chooses another among the offered ones."),
                    size="2", color=rx.color("gray", 11)),
            rx.text(t("Offered languages"), weight="medium", size="3"),
            rx.hstack(*[_offered(code) for code in LANGUAGE_NAMES], spacing="5", wrap="wrap",
                      id="settings-language-offered"),
            rx.el.label(t("Default language"), html_for="settings-language-default", style={"font_weight": "500"}),
            rx.select.root(
                rx.select.trigger(id="settings-language-default", width="100%"),
                rx.select.content(*[rx.select.item(name, value=code, id=f"settings-language-default-{code}")
                                    for code, name in LANGUAGE_NAMES.items()]),
                value=state.network_default, on_change=state.set_network_default, size="3",
            ),
            error_callout(state.languages_error, "settings-languages-error"),
            success_callout(state.languages_saved, "settings-languages-saved", icon="check"),
            rx.button(t("Save languages"), id="settings-languages-save", size="3", on_click=state.save_languages),
            spacing="2", width="100%", max_width="480px",
        ),
        id="settings-languages",
        width="100%",
    )
