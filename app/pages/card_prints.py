"""Printable cards on the dashboard: the Cards screen's "Print a batch of cards" dialog and
one card's "Download printable card" button (state: app/state/card_prints.py)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.components.layout import error_callout
from app.state.card_prints import CardPrintsState


def _field(label: str, element_id: str, control: rx.Component, hint: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", custom_attrs={"htmlFor": element_id}, weight="medium"),
        control,
        rx.text(hint, size="2", color=rx.color("gray", 11)),
        spacing="1",
        width="100%",
    )


def _downloads(batch_id: rx.Var, prefix: str) -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("file-text"), t("PDF sheets"), size="3", variant="soft", id=prefix + "-pdf",
                  on_click=CardPrintsState.download_run(batch_id, "pdf")),
        rx.button(rx.icon("sheet"), t("CSV for card printers"), size="3", variant="soft", id=prefix + "-csv",
                  on_click=CardPrintsState.download_run(batch_id, "csv")),
        spacing="2",
        wrap="wrap",
    )


def _run_row(run: rx.Var) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.text("#", run.id.to_string(), " · ", run.count, " · ", run.amount, weight="medium"),
            rx.text(run.created, size="2", color=rx.color("gray", 11)),
            spacing="0",
        ),
        rx.spacer(),
        _downloads(run.id, "print-run-" + run.id.to_string()),
        id="print-run-" + run.id.to_string(),
        gap="8px",
        wrap="wrap",
        align="center",
        width="100%",
        padding_y="6px",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
    )


def print_batch_dialog() -> rx.Component:
    """Owners only: make a print run (how many cards, what each holds), then download it."""
    state = CardPrintsState
    form = rx.form(
        rx.vstack(
            _field(t("How many cards"), "print-run-count",
                   rx.input(name="count", id="print-run-count", placeholder="100", input_mode="numeric", size="3",
                            required=True, width="100%"),
                   t("1 to 10,000 cards, eight to a printed page.")),
            _field(t("Amount on each card ($)"), "print-run-amount",
                   rx.input(name="amount", id="print-run-amount", placeholder="25.00", input_mode="decimal", size="3",
                            width="100%"),
                   t("Leave empty or 0 to load each card when it is sold (a top-up on the card's screen).")),
            rx.hstack(
                rx.button(rx.icon("printer"), t("Make the cards"), id="print-run-submit", type="submit", size="3"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=state.create_run,
        reset_on_submit=False,
    )
    created = rx.cond(
        state.created_id > 0,
        rx.vstack(
            rx.callout(state.created_text, icon="circle-check", color_scheme="green", id="print-run-created",
                       width="100%"),
            _downloads(state.created_id, "print-run-download"),
            spacing="2",
            width="100%",
        ),
    )
    earlier = rx.cond(
        state.runs.length() > 0,
        rx.vstack(
            rx.heading(t("Recent print runs"), size="3", margin_top="8px"),
            rx.foreach(state.runs, _run_row),
            spacing="1",
            width="100%",
            id="print-runs",
        ),
    )
    return rx.cond(
        state.is_owner,
        rx.dialog.root(
            rx.dialog.trigger(rx.button(rx.icon("printer"), t("Print a batch of cards"), size="3", variant="soft",
                                        id="print-run-open")),  # on_open_change opens it
            rx.dialog.content(
                rx.dialog.title(t("Print a batch of cards")),
                rx.dialog.description(
                    t("Cards without recipients, for a print shop (PDF sheets with crop marks) or a card printer "
                    "(CSV). Each download is recorded in the audit trail."), size="2", margin_bottom="12px"),
                error_callout(state.print_error, "print-run-error"),
                rx.cond(state.created_id > 0, created, form),
                earlier,
                rx.hstack(
                    rx.dialog.close(rx.button(t("Close"), variant="soft", size="3", type="button", id="print-run-close")),
                    justify="end",
                    width="100%",
                    margin_top="12px",
                ),
                max_width="560px",
            ),
            open=state.print_open,
            on_open_change=lambda is_open: rx.cond(is_open, state.open_print, state.close_print),
        ),
    )


def card_pdf_button() -> rx.Component:
    """One card's screen: its printable PDF (owners get the code on it, staff the last 4)."""
    return rx.vstack(
        rx.button(rx.icon("printer"), t("Download printable card"), id="card-download-pdf", size="3", variant="soft",
                  on_click=CardPrintsState.download_card_pdf),
        error_callout(CardPrintsState.download_error, "card-download-pdf-error"),
        spacing="2",
    )
