"""A Copy button: puts a text on the clipboard (a card code, a key, the widget's code) and says so."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.language import N_, LanguageState, in_each_language


def _in_language(template: str, what: str) -> rx.Var | str:
    """`template` with `what` (an English catalog name, `N_("Card code")`) in the screen's language."""
    names = in_each_language(what)
    english = in_each_language(template, what=names["en"].lower())["en"]
    french = in_each_language(template, what=names["fr"].lower())["fr"]
    return english if english == french else rx.cond(LanguageState.lang == "fr", french, english)


def copy_button(text: rx.Var | str, element_id: str, *, what: str, label: str | rx.Var | None = None) -> rx.Component:
    """Copies `text`; `what` names it for screen readers and the confirmation ("Card code copied")."""
    names = in_each_language(what)
    copied = {lang: in_each_language("{what} copied to the clipboard.", what=names[lang])[lang] for lang in names}
    return rx.button(
        rx.icon("copy", size=16, aria_hidden="true"), t("Copy") if label is None else label,
        id=element_id,
        type="button",
        size="3",
        variant="soft",
        aria_label=_in_language("Copy the {what}", what),
        on_click=[
            rx.set_clipboard(text),
            rx.toast(rx.cond(LanguageState.lang == "fr", copied["fr"], copied["en"]), duration=2500),
        ],
    )


# The sentences above, for the catalogs (their `what` comes from the callers' N_()).
_SENTENCES = (N_("Copy the {what}"), N_("{what} copied to the clipboard."))
