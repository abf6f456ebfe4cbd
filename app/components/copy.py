"""A Copy button: puts a text on the clipboard (a card code, a key, the widget's code) and says so."""

from __future__ import annotations

import reflex as rx


def copy_button(text: rx.Var | str, element_id: str, *, what: str, label: str = "Copy") -> rx.Component:
    """Copies `text`; `what` names it for screen readers and the confirmation ("Card code copied")."""
    return rx.button(
        rx.icon("copy", size=16, aria_hidden="true"), label,
        id=element_id,
        type="button",
        size="3",
        variant="soft",
        aria_label=f"Copy the {what.lower()}",
        on_click=[rx.set_clipboard(text), rx.toast(f"{what} copied to the clipboard.", duration=2500)],
    )
