"""Form fields of the dashboard: a label, the control, a hint and the error beside it.

One `form_field` instead of the label / control / hint / error stack built by hand for
every input. The control keeps its own id (tests and docs/testing.md name it); the label
points at it, so a click on the label focuses the control and screen readers name it.
"""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType

Content = str | rx.Var | rx.Component


def hint_text(text: Content) -> rx.Component:
    """The quiet sentence under a control that says what to type."""
    return rx.text(text, size="2", color=rx.color("gray", 11))


def field_error(message: rx.Var, shown: rx.Var, element_id: str) -> rx.Component:
    """The refusal of one field, in red beside it, while `shown` (the service named this field)."""
    return rx.cond(shown, rx.text(message, color=rx.color("red", 11), size="2", id=element_id, role="alert"))


def _under(hint: Content, error: rx.Component | None) -> list[rx.Component]:
    return ([hint_text(hint)] if isinstance(hint, rx.Var) or hint else []) + ([error] if error is not None else [])


def form_field(label: Content, input_id: str, control: rx.Component, *, hint: Content = "",
               error: rx.Component | None = None) -> rx.Component:
    """The label (for `input_id`, the control's id), the control, then the hint and the error."""
    return rx.vstack(
        # rx.text would put `html_for` into its CSS: the attribute goes through custom_attrs.
        rx.text(label, as_="label", custom_attrs={"htmlFor": input_id}, weight="medium", size="3"),
        control,
        *_under(hint, error),
        spacing="1",
        width="100%",
    )


def checkbox_field(label: Content, checkbox: rx.Component, *, hint: Content = "",
                   error: rx.Component | None = None) -> rx.Component:
    """A checkbox with its label beside it (the label wraps it), then the hint and the error."""
    return rx.vstack(
        rx.text(rx.hstack(checkbox, rx.text(label, size="3", weight="medium"), align="center", spacing="2"),
                as_="label"),
        *_under(hint, error),
        spacing="1",
        width="100%",
    )


def inline_field(label: str, input_id: str, value: rx.Var, on_change: EventType, **input_props: object) -> rx.Component:
    """A label and its input side by side, in a bar of choices (a date range, a number of months):
    the input shows `value` and reports each change to `on_change`."""
    return rx.hstack(  # one unit: a bar that wraps never parts a label from its input
        rx.el.label(label, html_for=input_id),
        rx.input(id=input_id, value=value, on_change=on_change, size="3", **input_props),
        align="center", spacing="2",
    )


def labelled_upload(upload: rx.Component, label: str) -> rx.Component:
    """`rx.upload` with an accessible name on its hidden file input (Reflex makes the input with no
    way to pass it attributes, and a file input without a name fails axe's `label` rule)."""
    from reflex_components_core.el.elements.forms import Input

    pending = [upload]
    while pending:
        component = pending.pop()
        if isinstance(component, Input):
            component.custom_attrs["aria-label"] = label
        pending.extend(getattr(component, "children", []))
    return upload
