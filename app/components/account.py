"""The signed-out screens' frame: sign-in, sign-up and joining a team by invitation
(app/pages/auth.py, app/pages/team.py). One narrow card in the middle of the page, the
Giftnet mark with the screen's title, labelled fields, one submit button, and the link
to the other way in."""

from __future__ import annotations

import reflex as rx

from app.components.layout import page_ready_marker


def account_card(*children: rx.Component) -> rx.Component:
    """The narrow card, centered on the page's grey."""
    return rx.center(
        rx.card(rx.vstack(*children, spacing="4", width="100%"), width="100%", max_width="440px", padding="32px"),
        page_ready_marker(),
        min_height="100vh",
        padding="16px",
        background=rx.color("gray", 2),
    )


def account_title(title: str | rx.Var, **props) -> rx.Component:  # noqa: ANN003 - the heading's own (an id)
    """The Giftnet mark and the screen's title."""
    return rx.hstack(rx.icon("gift", size=28), rx.heading(title, size="6", **props))


def account_field(label: str, name: str, element_id: str, **props) -> rx.Component:  # noqa: ANN003 - the input's
    """A labelled input (the label names the input for screen readers and clicks)."""
    return rx.vstack(
        rx.text(label, as_="label", custom_attrs={"htmlFor": element_id}, size="3", weight="medium"),
        rx.input(name=name, id=element_id, size="3", width="100%", **props),
        spacing="1",
        width="100%",
    )


def account_form(*fields: rx.Component, submit: str, submit_id: str, on_submit) -> rx.Component:  # noqa: ANN001
    """The fields, then the one big submit button; the typed values stay when a submit is refused."""
    return rx.form(
        rx.vstack(
            *fields,
            rx.button(submit, id=submit_id, type="submit", size="4", width="100%"),
            spacing="4",
            width="100%",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
    )


def other_way_in(question: str, label: str, href: str, element_id: str) -> rx.Component:
    """"Already have an account? Sign in": the link to the other signed-out screen."""
    return rx.text(question, rx.link(label, href=href, id=element_id, display="inline-block", padding_y="10px"),
                   size="3")
