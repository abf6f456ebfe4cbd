"""The Settlements screen's readiness checklist: what a bank file still needs (the operator's
settings, locations a file cannot pay), each with a link to where it is fixed. Shown before
the first batch, and whenever something is missing (app/services/settlement/readiness.py)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.settlements import SettlementsState


def _item(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("circle-alert", color=rx.color("amber", 10), size=18, flex_shrink="0"),
        rx.vstack(
            rx.text(row["subject"], weight="bold", size="2"),
            rx.text(row["problem"], size="2", color=rx.color("gray", 11)),
            spacing="0", flex="1",
        ),
        rx.link(row["fix_label"], href=row["fix_path"], id="readiness-fix-" + row["key"], size="2", weight="medium"),
        id="readiness-" + row["key"], class_name="readiness-item", width="100%", align="center", spacing="3",
    )


def readiness_checklist() -> rx.Component:
    return rx.cond(
        SettlementsState.readiness_shown,
        rx.card(
            rx.vstack(
                rx.heading(t("Before the first bank file"), size="4"),
                rx.cond(
                    SettlementsState.readiness_items.length() > 0,
                    rx.vstack(
                        rx.text(t("A bank file cannot be written until these are done:"), size="2"),
                        rx.foreach(SettlementsState.readiness_items, _item),
                        rx.cond(SettlementsState.readiness_more > 0,
                                rx.text(t("… and "), SettlementsState.readiness_more,
                                        t(" more locations without usable bank details."), id="readiness-more",
                                        size="2")),
                        spacing="2", width="100%",
                    ),
                    rx.hstack(
                        rx.icon("circle-check", color=rx.color("green", 10), size=18),
                        rx.text(t("Everything a bank file needs is set."), size="2"),
                        id="readiness-ready", align="center",
                    ),
                ),
                spacing="3", width="100%",
            ),
            id="settlements-readiness", width="100%",
        ),
    )
