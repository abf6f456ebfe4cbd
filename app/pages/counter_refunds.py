"""On the counter screen (/redeem): the refunds a POS made of gift-card payments already
applied, each with one large "Give back to the card" button, and the confirmation of the
money given back with the card's new balance."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.counter_refunds import CounterRefundState
from app.state.live import PosInbox


def _refund_row(refund) -> rx.Component:  # noqa: ANN001
    state = CounterRefundState
    return rx.flex(
        rx.vstack(
            rx.text(t("Refund to give back: card "), rx.text.strong(refund.card, class_name="refund-owed-card"), ", ",
                    rx.text.strong(rx.cond(CounterRefundState.lang == "fr", refund.amount_fr, refund.amount),
                                   class_name="refund-owed-amount"),
                    t(" ({source}, ref {reference})", source=refund.source, reference=refund.reference),
                    size="5", class_name="refund-owed-text"),
            rx.text(t("The POS refunded this payment after it was taken off the card: give the money back."),
                    size="3", color=rx.color("gray", 11)),
            spacing="1", flex="1", min_width="240px",
        ),
        rx.button(rx.icon("undo-2"), t("Give back to the card"), size="4", color_scheme="amber",
                  id="refund-give-" + refund.id.to_string(), class_name="refund-give",
                  loading=state.giving_id == refund.id, disabled=state.giving_id != 0,
                  on_click=CounterRefundState.give_back(refund.id), style={"minHeight": "64px"}),
        id="refund-owed-" + refund.id.to_string(), class_name="refund-owed",
        gap="12px", align="center", wrap="wrap", width="100%", padding="16px", border_radius="12px",
        border=f"2px solid {rx.color('amber', 8)}", background=rx.color("amber", 2),
    )


def _given() -> rx.Component:
    state = CounterRefundState
    return rx.callout(
        rx.flex(
            rx.vstack(
                rx.text(rx.cond(state.given_again, t("Already given back: "), t("Given back: ")),
                        rx.text.strong(state.given_amount, id="refund-given-amount"), t(" to card "),
                        rx.text.strong(state.given_card, id="refund-given-card"),
                        rx.cond(state.given_reference != "",
                                rx.text(t(" ({source}, ref {reference})", source=state.given_source,
                                          reference=state.given_reference), as_="span")),
                        size="4", id="refund-given-text"),
                rx.text(t("New balance "), rx.text.strong(state.given_balance, id="refund-given-balance"), size="5"),
                spacing="1",
            ),
            rx.spacer(),
            rx.button(t("Done"), size="3", variant="soft", id="refund-given-done", on_click=CounterRefundState.done_giving),
            gap="12px", align="center", wrap="wrap", width="100%",
        ),
        icon="circle-check", color_scheme="green", size="3", width="100%", id="refund-given",
    )


def refunds_to_give_back() -> rx.Component:
    """Shown whatever the counter is doing: a refund owed is the customer's money."""
    return rx.vstack(
        rx.cond(CounterRefundState.has_given, _given()),
        rx.cond(
            PosInbox.refunds.length() > 0,
            rx.vstack(
                rx.hstack(rx.heading(t("Refunds to give back"), size="6"),
                          rx.badge(PosInbox.refunds.length(), size="3", color_scheme="amber",
                                   id="refund-owed-count")),
                rx.foreach(PosInbox.refunds, _refund_row),
                width="100%", spacing="3", id="counter-refunds",
            ),
        ),
        width="100%", spacing="3",
    )
