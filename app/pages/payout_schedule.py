"""The Settings screen's payout schedule card (state: app/state/payout_schedule.py)."""

from __future__ import annotations

import reflex as rx

from app.components.i18n import t
from app.state.payout_schedule import FREQUENCY_CHOICES, WEEKDAY_CHOICES, PayoutScheduleState


def _error_for(field: str) -> rx.Component:
    return rx.cond(
        PayoutScheduleState.schedule_field == field,
        rx.text(PayoutScheduleState.schedule_error, id=f"settings-schedule-{field.replace('_', '-')}-error",
                color=rx.color("red", 11), size="2", role="alert"),
    )


def _labelled(label: str, element_id: str, control: rx.Component, field: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=element_id), control,
        rx.cond(hint != "", rx.text(hint, size="1", color=rx.color("gray", 11))),
        _error_for(field),
        spacing="1", width="100%",
    )


def _select(element_id: str, value: rx.Var, on_change, choices: list[tuple[str, str]]) -> rx.Component:  # noqa: ANN001
    return rx.select.root(
        rx.select.trigger(id=element_id, width="100%"),
        rx.select.content(*[rx.select.item(t(label), value=value_) for value_, label in choices]),
        value=value, on_change=on_change, size="3",
    )


def payout_schedule_card() -> rx.Component:
    state = PayoutScheduleState
    return rx.card(
        rx.vstack(
            rx.heading(t("Payout schedule"), size="4"),
            rx.text(t("On schedule, a batch of everything unpaid up to the cut-off is created by itself and its bank "
                    "file written (effective the next bank business day). A location owed less than the minimum "
                    "waits for the next run."), size="2", color=rx.color("gray", 11)),
            rx.grid(
                _labelled(t("Frequency"), "settings-schedule-frequency",
                          _select("settings-schedule-frequency", state.frequency, state.set_frequency,
                                  FREQUENCY_CHOICES), "frequency"),
                rx.cond(state.frequency == "weekly", _labelled(
                    t("Weekday"), "settings-schedule-weekday",
                    _select("settings-schedule-weekday", state.weekday, state.set_weekday, WEEKDAY_CHOICES),
                    "weekday")),
                rx.cond(state.frequency == "monthly", _labelled(
                    t("Day of the month (1-28)"), "settings-schedule-day",
                    rx.input(id="settings-schedule-day", value=state.day, on_change=state.set_day, size="3"),
                    "day")),
                _labelled(t("Cut-off time (HH:MM)"), "settings-schedule-cutoff-time",
                          rx.input(id="settings-schedule-cutoff-time", value=state.cutoff_time,
                                   on_change=state.set_cutoff_time, size="3"),
                          "cutoff_time", t("In the network's time zone")),
                _labelled(t("Minimum net ($)"), "settings-schedule-minimum-net",
                          rx.input(id="settings-schedule-minimum-net", value=state.minimum_net,
                                   on_change=state.set_minimum_net, size="3"),
                          "minimum_net", t("0 pays every amount")),
                columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%",
            ),
            rx.text(t("Next run: "), rx.el.span(state.next_run, id="settings-schedule-next-run"), size="2"),
            rx.cond((state.schedule_error != "") & (state.schedule_field == ""),
                    rx.text(state.schedule_error, id="settings-schedule-error", color=rx.color("red", 11), size="2",
                            role="alert")),
            rx.cond(state.schedule_saved != "",
                    rx.text(state.schedule_saved, id="settings-schedule-saved", color=rx.color("green", 11),
                            size="2", role="status")),
            rx.button(t("Save schedule"), id="settings-schedule-save", size="3", on_click=state.save),
            spacing="3", width="100%",
        ),
        width="100%",
    )
