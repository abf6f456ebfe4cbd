"""The Settlements screen's card for a bank's return file: the upload and what it matched."""

from __future__ import annotations

import reflex as rx

from app.components.forms import labelled_upload
from app.components.i18n import t
from app.components.layout import error_callout, success_callout
from app.components.tables import data_table
from app.state.payout_returns import RETURNS_UPLOAD_ID, PayoutReturnsState

UPLOAD_ID = "returns-upload"  # the upload the state clears (its RETURNS_UPLOAD_ID)
assert UPLOAD_ID == RETURNS_UPLOAD_ID


def returns_card() -> rx.Component:
    state = PayoutReturnsState
    row = lambda match: rx.table.row(  # noqa: E731
        rx.table.cell("#" + match["payout_id"]), rx.table.cell(match["name"]), rx.table.cell(match["net"]),
        rx.table.cell(match["reason"]), rx.table.cell(match["action"]), rx.table.cell(match["state"]),
        id="returns-row-" + match["key"], class_name="returns-row",
    )
    return rx.card(
        rx.vstack(
            rx.heading(t("Returned by the bank"), size="4"),
            rx.text(t("Upload the return file your bank sent (NACHA returns or CPA-005 returned items). A file with "
                    "any payment this network did not send is refused whole."), size="2", color=rx.color("gray", 11)),
            labelled_upload(rx.upload(
                rx.hstack(rx.icon("file-up"), rx.text(t("Drop the return file here, or click to choose it"),
                                                      id="returns-upload-label"), align="center", spacing="2"),
                id=UPLOAD_ID, multiple=False, max_files=1,
                on_drop=state.upload_returns(rx.upload_files(upload_id=UPLOAD_ID)),
                border=f"2px dashed {rx.color('accent', 7)}", border_radius="12px", padding="16px",
                width="100%", cursor="pointer",
            ), t("Bank return file")),
            error_callout(state.returns_error, "returns-error"),
            success_callout(state.returns_notice, "returns-notice", icon="check"),
            rx.cond(
                state.returned_rows.length() > 0,
                data_table([t("Batch"), t("Location"), t("Net owed again"), t("Reason"), t("Next"), t("This upload")], state.returned_rows, row,
                           table_id="returns-table"),
            ),
            spacing="3", width="100%",
        ),
        id="returns-card", width="100%",
    )
