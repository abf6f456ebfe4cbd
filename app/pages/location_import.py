"""Import locations from a CSV file: template, upload, preview with every error, import."""

from __future__ import annotations

import reflex as rx

from app.components.forms import labelled_upload
from app.components.i18n import t
from app.components.layout import dashboard_shell, error_callout, page_title
from app.components.tables import data_table, table_row
from app.pages.locations.layout import back_to_locations
from app.state.language import N_
from app.state.location_import import UPLOAD_NOTES, LocationImportState

UPLOAD_ID = "import-upload"


def _step(number: str, title: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.center(rx.text(number, weight="bold", size="4"), width="36px", height="36px", border_radius="50%",
                      background=rx.color("accent", 3), color=rx.color("accent", 11), flex_shrink="0"),
            rx.vstack(rx.heading(title, size="4"), *children, spacing="3", width="100%"),
            spacing="4",
            align="start",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def _template_step() -> rx.Component:
    return _step(
        "1",
        t("Start from the template"),
        rx.text(
            t("One row per business. name and email are required; external_id is your own reference, and importing "
            "a file again updates the locations with the same external id instead of adding them twice. "
            "The template's two rows are samples (external ids SAMPLE-1 and SAMPLE-2): an import skips them, so "
            "replace them with your businesses. "
            "mode is pos, items or amount. Bank details: US rows fill routing_number, Canadian rows "
            "institution_number and transit_number, both fill account_number and account_type. "
            "Empty bank and commission columns keep what a location already has; only an owner may fill them."),
            size="3",
        ),
        rx.button(rx.icon("download"), t("Download the template"), size="3", variant="soft", id="import-template-download",
                  on_click=LocationImportState.download_template),
    )


def _upload_step() -> rx.Component:
    state = LocationImportState
    zone = labelled_upload(rx.upload(
        rx.vstack(
            rx.icon("file-up", size=36, color=rx.color("accent", 10)),
            rx.text(
                rx.cond(state.file_name != "", state.file_name, t("Drop your .csv file here, or click to choose it")),
                size="4", weight="medium", id="import-file-name",
            ),
            rx.text(
                rx.cond(state.lang == "fr", UPLOAD_NOTES["fr"], UPLOAD_NOTES["en"]),
                size="2", color=rx.color("gray", 11),
            ),
            align="center",
            spacing="2",
        ),
        id=UPLOAD_ID,
        multiple=False,
        max_files=1,
        disabled=state.busy,
        on_drop=state.handle_upload(rx.upload_files(upload_id=UPLOAD_ID)),
        border=f"2px dashed {rx.color('accent', 7)}",
        border_radius="12px",
        padding="32px",
        width="100%",
        cursor="pointer",
        background=rx.color("accent", 2),
    ), t("Locations CSV file"))
    return _step("2", t("Upload your file"), zone, error_callout(state.file_error, "import-file-error"))


def _progress() -> rx.Component:
    state = LocationImportState
    return rx.cond(
        state.busy,
        rx.vstack(
            rx.hstack(rx.spinner(size="2"), rx.text(state.progress_label, " ", state.progress, "%", size="3",
                                                    id="import-progress-label"), align="center"),
            rx.progress(value=state.progress, max=100, size="3", width="100%", id="import-progress"),
            width="100%",
            spacing="2",
        ),
    )


def _problem(problem: rx.Var) -> rx.Component:
    return rx.text(rx.code(problem.column), " ", problem.message, size="2", class_name="import-error")


def _error_row(row: rx.Var) -> rx.Component:
    return table_row(
        "import-error-row", row.row,
        rx.table.cell(rx.text(t("Row "), row.row, weight="bold"), white_space="nowrap"),
        rx.table.cell(row.name, min_width="140px"),
        rx.table.cell(rx.vstack(rx.foreach(row.problems, _problem), spacing="1")),
        align="start",
    )


def _outcome(summary: rx.Component, element_id: str, *next_steps: rx.Component, refused: bool = False) -> rx.Component:
    """What the check or the import came to, in a callout (red when nothing was imported), then what to do next."""
    tone = ({"icon": "triangle-alert", "color_scheme": "red", "role": "alert"} if refused
            else {"icon": "circle-check", "color_scheme": "green"})
    return rx.vstack(rx.callout(summary, **tone, id=element_id, width="100%"), *next_steps, width="100%", spacing="3")


def _errors() -> rx.Component:
    state = LocationImportState
    return _outcome(
        rx.text(
            t("Nothing was imported: "), state.error_total, t(" problem(s) in "), state.error_rows.length()
            + state.hidden_error_rows, t(" of "), state.rows_total,
            t(" rows. Fix them in your file (row numbers count the header as row 1), then upload it again."),
        ),
        "import-preview-summary",
        data_table([t("Row"), t("Name"), t("Column and problem")], state.error_rows, _error_row, table_id="import-preview-errors"),
        rx.cond(
            state.hidden_error_rows > 0,
            rx.text(t("… and {count} more rows with problems, listed after you fix these.", count=state.hidden_error_rows),
                    size="2", id="import-errors-more"),
        ),
        refused=True,
    )


_ACTION_BADGES = {"update": (N_("Changes"), "amber"), "create": (N_("New"), "green"), "skip": (N_("Skipped"), "gray")}


def _change(change: rx.Var) -> rx.Component:
    return rx.text(rx.text.strong(change.label), ": ", change.before, " → ", change.after, size="2",
                   class_name="import-change")


def _plan_row(row: rx.Var) -> rx.Component:
    badge = rx.match(row.action, *[(action, rx.badge(t(label), color_scheme=color, size="2"))
                                   for action, (label, color) in _ACTION_BADGES.items()], rx.fragment())
    return table_row(
        "import-plan-row", row.row,
        rx.table.cell(rx.text(t("Row "), row.row, weight="bold"), white_space="nowrap"),
        rx.table.cell(badge),
        rx.table.cell(rx.cond(row.location_name != "", row.location_name, row.name), min_width="160px"),
        rx.table.cell(rx.match(
            row.action,
            ("update", rx.vstack(rx.foreach(row.changes, _change), spacing="1")),
            ("create", rx.text(t("A new location, emailed its device activation link"), size="2")),
            rx.text(row.note, size="2"),
        )),
        align="start",
    )


def _ready() -> rx.Component:
    state = LocationImportState
    nothing_to_do = (state.planned_created + state.planned_changed) == 0
    return _outcome(
        rx.text(t("Every row is valid: "), rx.text.strong(state.rows_total), t(" rows: "),
                rx.text.strong(state.planned_created, id="import-plan-created"), t(" new location(s), "),
                rx.text.strong(state.planned_changed, id="import-plan-updated"),
                t(" existing one(s) changed (listed below, field by field), "),
                rx.text.strong(state.planned_unchanged, id="import-plan-unchanged"), t(" unchanged, "),
                rx.text.strong(state.planned_skipped, id="import-plan-skipped"),
                t(" sample row(s) of the template skipped (external id SAMPLE-…). "
                "Each new active location is emailed its device activation link.")),
        "import-preview-ok",
        rx.cond(state.plan_rows.length() > 0,
                data_table([t("Row"), "", t("Location"), t("What changes")], state.plan_rows, _plan_row,
                           table_id="import-plan")),
        rx.cond(state.hidden_plan_rows > 0,
                rx.text(t("… and "), state.hidden_plan_rows, t(" more rows."), size="2", id="import-plan-more")),
        rx.hstack(
            rx.button(t("Choose another file"), size="3", variant="soft", id="import-reset", on_click=state.start_over),
            rx.button(rx.icon("upload"), rx.cond(nothing_to_do, t("Nothing to import"), t("Import")), size="3",
                      id="import-submit", on_click=state.confirm_import, disabled=nothing_to_do),
            spacing="3",
        ),
    )


def _done() -> rx.Component:
    state = LocationImportState
    return _outcome(
        rx.text(
            t("Imported "), state.rows_total, t(" rows: "),
            rx.text.strong(state.created, id="import-result-created"), t(" created, "),
            rx.text.strong(state.changed, id="import-result-updated"), t(" updated, "),
            rx.text.strong(state.planned_unchanged, id="import-result-unchanged"), t(" unchanged, "),
            rx.text.strong(state.planned_skipped, id="import-result-skipped"), t(" sample row(s) skipped; "),
            rx.text.strong(state.emailed, id="import-result-emailed"),
            t(" activation email(s) queued to the new locations."),
        ),
        "import-result",
        error_callout(state.email_error, "import-email-error"),
        rx.hstack(
            rx.link(rx.button(t("See the locations"), size="3", id="import-see-locations"), href="/locations"),
            rx.button(t("Import another file"), size="3", variant="soft", id="import-reset", on_click=state.start_over),
            spacing="3",
        ),
    )


def _check_step() -> rx.Component:
    state = LocationImportState
    return _step(
        "3",
        t("Check and import"),
        _progress(),
        rx.match(
            state.stage,
            ("preview", rx.cond(state.error_total > 0, _errors(), _ready())),
            ("done", _done()),
            rx.cond(
                state.busy,
                rx.fragment(),
                rx.text(t("Upload a file: every row is checked first, and each problem is named by row and column."),
                        size="3", color=rx.color("gray", 11), id="import-waiting"),
            ),
        ),
    )


def location_import_page() -> rx.Component:
    return dashboard_shell(
        rx.vstack(
            back_to_locations(),
            page_title(t("Import locations"), t("Bring your existing file of businesses: create new ones, update the others.")),
            _template_step(),
            _upload_step(),
            _check_step(),
            spacing="4",
            width="100%",
            max_width="960px",
        ),
        active="locations",
    )
