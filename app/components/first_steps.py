"""The first steps checklist on the Activity screen (app/state/first_steps.py): each step
ticked or not, what was found or what is missing, and a link to the screen where it is done."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.first_steps import FirstStepsState


def _step(step: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.cond(
            step.done,
            rx.icon("circle-check", color=rx.color("green", 10), size=24, aria_hidden="true"),
            rx.icon("circle", color=rx.color("gray", 9), size=24, aria_hidden="true"),
        ),
        rx.vstack(
            rx.hstack(
                rx.text(step.title, weight="bold", size="3"),
                rx.badge(rx.cond(step.done, t("Done"), t("To do")), color_scheme=rx.cond(step.done, "green", "gray"),
                         id="first-step-" + step.key + "-status"),
                spacing="2", align="center", wrap="wrap",
            ),
            rx.text(step.detail, size="2", color=rx.color("gray", 11), id="first-step-" + step.key + "-detail"),
            spacing="1", flex="1",
        ),
        rx.link(step.link_label, href=step.link, id="first-step-" + step.key + "-link", size="2",
                display="inline-block", padding_y="10px", white_space="nowrap"),
        id="first-step-" + step.key,
        class_name="first-step",
        align="start",
        spacing="3",
        width="100%",
    )


def first_steps_checklist() -> rx.Component:
    """The checklist while a step is left; nothing once every step is done."""
    return rx.cond(
        FirstStepsState.visible,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(t("First steps"), size="5"),
                    rx.text(FirstStepsState.done_count, t(" of "), FirstStepsState.total, t(" done"), size="2",
                            color=rx.color("gray", 11), id="first-steps-progress"),
                    justify="between", align="center", width="100%",
                ),
                rx.text(t("What a new network does before its cards can be sold, used and paid out. Each step is "
                        "ticked from what the network holds; the list goes away once all are done."),
                        size="2", color=rx.color("gray", 11)),
                rx.foreach(FirstStepsState.steps, _step),
                spacing="3",
                width="100%",
            ),
            id="first-steps",
            width="100%",
        ),
    )
