"""Translated text on a screen: `t("Redeem")` is "Redeem" or "Échanger" by the reader's language.

Every sentence a person reads is written in English inside `t()` (the gettext keyword
`make i18n` extracts); the French comes from `app/locale/fr/LC_MESSAGES/messages.po`
when the page is compiled, and the browser shows one or the other by
`LanguageState.lang`, without a round trip. Values go in as named placeholders, which may
be state vars: `t("{count} cards", count=CardsState.total)`.

Ids, routes and the English keys of a list stay English: translate the label, not the id.
"""

from __future__ import annotations

import reflex as rx

from app.state.language import LanguageState, in_each_language


def t(message: str, /, **params: object) -> rx.Var | str:
    """`message` in the screen's language: a plain string when French writes it the same way."""
    written = in_each_language(message, **params)
    english, french = written["en"], written["fr"]
    if french == english:
        return english
    return rx.cond(LanguageState.lang == "fr", french, english)


def language_picker(state: type[LanguageState] = LanguageState, *, id: str = "language-picker") -> rx.Component:
    """English / Français, as two large buttons; the current one is pressed. Shown only when the
    network offers more than one language."""
    return rx.cond(
        state.offered_languages.length() > 1,
        rx.hstack(
            rx.foreach(
                state.language_choices,
                lambda choice: rx.button(
                    choice[1],
                    id=f"{id}-" + choice[0],
                    lang=choice[0],
                    on_click=state.choose_language(choice[0]),
                    variant=rx.cond(state.lang == choice[0], "solid", "outline"),
                    aria_pressed=rx.cond(state.lang == choice[0], "true", "false"),
                    min_height="44px",
                    size="2",
                ),
            ),
            id=id,
            spacing="2",
            role="group",
            aria_label=t("Language"),
        ),
    )
