"""Small status pieces shared by screens."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.language import N_


def status_badge(status: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    return rx.badge(
        status_word(status),
        color_scheme=rx.match(status, ("active", "green"), ("frozen", "blue"), "gray"),
        size="2",
        id=element_id,
    )


# The lowercase status words the dashboard's badges show (English as stored, so English
# screens read as before), translated where shown.
STATUS_WORDS = (N_("active"), N_("frozen"), N_("paid"), N_("pending"), N_("charging"), N_("declined"), N_("error"),
                N_("refunded"), N_("draft"), N_("exported"), N_("cancelled"), N_("applied"), N_("expired"),
                N_("completed"), N_("voided"), N_("delivered"), N_("sending"), N_("failed"), N_("sent"))


def status_word(status: rx.Var) -> rx.Var:
    """A stored status (`paid`, `voided`, ...) as the reader's language writes it."""
    return rx.match(status, *[(word, t(word)) for word in STATUS_WORDS], status)


TEST_CARD_TITLE = N_("Bought in the shop's test mode: no real money was paid. It works only at test locations and is never paid out.")


def test_card_badge(is_test: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    """"TEST CARD" beside a card bought while the shop's gateway was in test mode."""
    return rx.cond(is_test, rx.badge(t("TEST CARD"), color_scheme="amber", size="2", id=element_id,
                                     title=t(TEST_CARD_TITLE)))
