"""Small status pieces shared by screens."""

from __future__ import annotations

import reflex as rx


def status_badge(status: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(status, ("active", "green"), ("frozen", "blue"), "gray"),
        size="2",
        id=element_id,
    )


TEST_CARD_TITLE = "Bought in the shop's test mode: no real money was paid. It works only at test locations and is never paid out."


def test_card_badge(is_test: rx.Var, element_id: str | rx.Var = "") -> rx.Component:
    """"TEST CARD" beside a card bought while the shop's gateway was in test mode."""
    return rx.cond(is_test, rx.badge("TEST CARD", color_scheme="amber", size="2", id=element_id,
                                     title=TEST_CARD_TITLE))
