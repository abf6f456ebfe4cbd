"""The confirmation every irreversible dashboard action asks for (revoke, remove, void, bulk).

One `confirm_dialog` instead of an `rx.alert_dialog` built by hand on each screen. The
caller passes the ids (tests and docs/testing.md name them) and what the screen says;
the dialog is either opened by the state (`open_`: a row id waiting for confirmation)
or by its own `trigger` button.
"""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

from app.components.i18n import t

Content = str | rx.Var | rx.Component
Children = Content | tuple[Content, ...]


def _children(content: Children) -> tuple[Content, ...]:
    return content if isinstance(content, tuple) else (content,)


def confirm_dialog(
    *,
    title: Children,
    description: Children,
    confirm_label: Children,
    confirm_id: str,
    on_confirm: EventType,
    cancel_label: Children | None = None,
    cancel_id: str,
    on_cancel: EventType | None = None,
    open_: rx.Var | None = None,
    trigger: rx.Component | None = None,
    on_open_change: EventType | None = None,
    dialog_id: str | None = None,
    title_id: str | None = None,
    confirm_color: str | None = "red",
    cancel_color: str | None = None,
    button_size: str = "3",
    description_size: str | None = None,
    max_width: str | None = None,
    escape_cancels: bool = False,
    wrap: bool = False,
) -> rx.Component:
    """An alert dialog: title, what will happen, then Cancel (soft) and the confirming button.

    `open_` shows it while a state var says so (then `on_cancel` must reset that var, and
    `escape_cancels` sends Escape to it too); `trigger` makes it open from its own button.
    `confirm_color` is red for destructive acts, None for the accent color.
    """
    buttons = rx.hstack(
        rx.alert_dialog.cancel(
            rx.button(t("Cancel") if cancel_label is None else cancel_label, variant="soft", color_scheme=cancel_color, size=button_size, id=cancel_id,
                      on_click=on_cancel)
        ),
        rx.alert_dialog.action(
            rx.button(*_children(confirm_label), color_scheme=confirm_color, size=button_size, id=confirm_id,
                      on_click=on_confirm)
        ),
        justify="end",
        spacing="3",
        margin_top="16px",
        wrap="wrap" if wrap else None,
    )
    content = rx.alert_dialog.content(
        rx.alert_dialog.title(*_children(title), id=title_id),
        rx.alert_dialog.description(*_children(description), size=description_size),
        buttons,
        id=dialog_id,
        max_width=max_width,
        on_escape_key_down=on_cancel if escape_cancels else None,
    )
    parts = (rx.alert_dialog.trigger(trigger), content) if trigger is not None else (content,)
    return rx.alert_dialog.root(*parts, open=open_, on_open_change=on_open_change)
