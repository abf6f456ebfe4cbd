"""The CSV import screen: template, upload, a preview naming every error by row and
column, then the import itself, both with progress for large files.

The uploaded file waits on the server's disk (data/imports/), not in the state: a
5 MB file must not travel with every state update.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.network.device_emails import send_activation_emails
from app.services.network.location_import import MAX_FILE_BYTES, MAX_ROWS, ImportResult, import_locations, template_csv
from app.settings import get_settings
from app.state.session import SessionState, dashboard_action

log = logging.getLogger(__name__)

TEMPLATE_FILENAME = "giftnet-locations-template.csv"
MAX_ERROR_ROWS_SHOWN = 300
MAX_PLAN_ROWS_SHOWN = 300
PROGRESS_POLL_SECONDS = 0.25
# What the page says a file may hold (the page imports the state, never the services).
UPLOAD_LIMITS = f"up to {MAX_FILE_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows"


@dataclass
class ImportProblem:
    column: str = ""
    message: str = ""


@dataclass
class ImportErrorRow:
    row: int = 0
    name: str = ""
    problems: list[ImportProblem] = field(default_factory=list)


@dataclass
class ImportChange:
    label: str = ""
    before: str = ""
    after: str = ""


@dataclass
class ImportPlanRow:
    """A row of a valid file that would change something (or is a skipped sample), as the preview names it."""

    row: int = 0
    action: str = ""  # create | update | skip
    name: str = ""  # the row's name
    location_name: str = ""  # the existing location it changes, by its name now
    note: str = ""  # a skipped row: why
    changes: list[ImportChange] = field(default_factory=list)


def _uploads_dir() -> Path:
    path = get_settings().data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


class LocationImportState(SessionState):
    # idle | checking | preview | importing | emailing | done
    stage: str = "idle"
    file_name: str = ""
    file_error: str = ""
    progress: int = 0
    progress_label: str = ""
    rows_total: int = 0
    error_total: int = 0
    error_rows: list[ImportErrorRow] = []
    hidden_error_rows: int = 0
    planned_created: int = 0
    planned_updated: int = 0
    planned_unchanged: int = 0
    planned_skipped: int = 0
    plan_rows: list[ImportPlanRow] = []  # every location the import would create or change, and skipped samples
    hidden_plan_rows: int = 0
    created: int = 0
    updated: int = 0
    emailed: int = 0
    email_error: str = ""
    _upload_path: str = ""

    @rx.var
    def planned_changed(self) -> int:
        """Existing locations the import would change (matches that change nothing are not written)."""
        return self.planned_updated - self.planned_unchanged

    @rx.var
    def changed(self) -> int:
        return self.updated - self.planned_unchanged

    @rx.var
    def busy(self) -> bool:
        return self.stage in ("checking", "importing", "emailing")

    @rx.event
    @dashboard_action("file_error", clear=False)
    def load(self, _who: SignedIn):
        if not self.busy:
            self._reset()
        return None

    def _reset(self) -> None:
        self._forget_file()
        self.stage, self.file_name, self.file_error = "idle", "", ""
        self.progress, self.progress_label = 0, ""
        self.rows_total = self.error_total = self.hidden_error_rows = 0
        self.error_rows = []
        self.planned_created = self.planned_updated = self.created = self.updated = self.emailed = 0
        self.planned_unchanged = self.planned_skipped = self.hidden_plan_rows = 0
        self.plan_rows = []
        self.email_error = ""

    def _forget_file(self) -> None:
        if self._upload_path:
            with contextlib.suppress(OSError):
                Path(self._upload_path).unlink()
        self._upload_path = ""

    @rx.event
    def start_over(self):
        if not self.busy:
            self._reset()
        return rx.clear_selected_files("import-upload")

    @rx.event
    def download_template(self):
        return rx.download(data=template_csv(), filename=TEMPLATE_FILENAME, mime_type="text/csv")

    @rx.event
    async def handle_upload(self, files: list[rx.UploadFile]):
        if self._signed_in() is None:
            return rx.redirect("/login")
        if self.busy:
            return None
        self._reset()
        if not files:
            self.file_error = "Choose a .csv file to upload."
            return None
        upload = files[0]
        self.file_name = upload.name or "upload.csv"
        # One byte past the limit is enough to know it is too big.
        content = await upload.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            self.file_error = (
                f"{self.file_name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. "
                "Split it into several files and import them one after the other."
            )
            return None
        path = _uploads_dir() / f"{uuid.uuid4().hex}.csv"
        path.write_bytes(content)
        self._upload_path = str(path)
        self.stage, self.progress, self.progress_label = "checking", 0, "Checking every row…"
        return LocationImportState.check_file

    async def _with_progress(self, work: Callable, *args: Any, **kwargs: Any):
        """Run `work(*args, progress=..., **kwargs)` in a thread; mirror its progress on screen."""
        done_of_total = [0, 1]

        def progress(done: int, total: int) -> None:
            done_of_total[:] = [done, max(total, 1)]

        task = asyncio.create_task(asyncio.to_thread(work, *args, progress=progress, **kwargs))
        while not task.done():
            await asyncio.sleep(PROGRESS_POLL_SECONDS)
            async with self:
                self.progress = min(99, int(100 * done_of_total[0] / done_of_total[1]))
        return task.result()

    async def _run(self, *, dry_run: bool) -> tuple[Actor, ImportResult | GiftnetError] | None:
        """The import service on the uploaded file (a preview with `dry_run`)."""
        async with self:
            who = self._signed_in()
            path, file_name = self._upload_path, self.file_name
        if who is None or not path:
            return None
        actor = self._actor(who)
        try:
            content = Path(path).read_bytes()
        except OSError:
            return actor, GiftnetError(ErrorCode.invalid_input, N_("The uploaded file is gone; upload it again."), field="file")
        try:
            return actor, await self._with_progress(import_locations, actor, content, filename=file_name, dry_run=dry_run)
        except GiftnetError as error:
            return actor, error

    @rx.event(background=True)
    async def check_file(self):
        run = await self._run(dry_run=True)
        async with self:
            if run is None:
                self._reset()
                return
            _actor, outcome = run
            if isinstance(outcome, GiftnetError):
                self._reset_keep_name(outcome.message)
                return
            self.progress, self.rows_total = 100, len(outcome.rows)
            if outcome.ok:
                self.stage = "preview"
                self.planned_created, self.planned_updated = outcome.created, outcome.updated
                self.planned_unchanged, self.planned_skipped = outcome.unchanged, outcome.skipped
                self._show_plan(outcome)
                return
            self._show_errors(outcome)

    @rx.event
    def confirm_import(self):
        if self.stage != "preview" or not self._upload_path:
            return None
        self.stage, self.progress, self.progress_label = "importing", 0, "Importing…"
        return LocationImportState.write_file

    @rx.event(background=True)
    async def write_file(self):
        run = await self._run(dry_run=False)
        async with self:
            if run is None:
                self._reset()
                return
            actor, outcome = run
            if isinstance(outcome, GiftnetError):
                self._reset_keep_name(outcome.message)
                return
            self.progress, self.rows_total = 100, len(outcome.rows)
            if not outcome.ok:
                # The data changed since the preview (e.g. someone took an external id).
                self._show_errors(outcome)
                return
            self.created, self.updated = outcome.created, outcome.updated
            self.planned_unchanged, self.planned_skipped = outcome.unchanged, outcome.skipped
            self._forget_file()
            self.stage, self.progress, self.progress_label = "emailing", 0, "Emailing activation links…"
        # Like a location created by hand, each new location is emailed its activation link.
        new_ids = [row.location_id for row in outcome.rows if row.action == "create" and row.location_id]
        email_error = ""
        try:
            emailed = await self._with_progress(send_activation_emails, actor, new_ids)
        except Exception:  # the locations are imported; say what is left to do rather than hang
            log.exception("activation emails after an import failed")
            emailed, email_error = 0, "The activation emails could not be queued: use Send new link on each new location."
        async with self:
            self.emailed, self.email_error = emailed, email_error
            self.stage, self.progress = "done", 100

    def _show_plan(self, outcome: ImportResult) -> None:
        """Each location the import would change, field by field (updates first: they touch what exists),
        then the new ones, then the skipped sample rows; unchanged rows are only counted."""
        order = {"update": 0, "create": 1, "skip": 2}
        planned = sorted((row for row in outcome.rows if row.action in order and (row.action != "update" or row.changes)),
                         key=lambda row: (order[row.action], row.row))
        self.plan_rows = [
            ImportPlanRow(row=row.row, action=row.action, name=row.name, location_name=row.location_name,
                          note=row.skip_reason,
                          changes=[ImportChange(change.label, change.before, change.after) for change in row.changes])
            for row in planned[:MAX_PLAN_ROWS_SHOWN]
        ]
        self.hidden_plan_rows = max(0, len(planned) - MAX_PLAN_ROWS_SHOWN)

    def _reset_keep_name(self, message: str) -> None:
        file_name = self.file_name
        self._reset()
        self.file_name, self.file_error = file_name, message

    def _show_errors(self, outcome: ImportResult) -> None:
        bad = [row for row in outcome.rows if row.errors]
        self.stage = "preview"
        self.error_total = outcome.error_count
        self.error_rows = [
            ImportErrorRow(
                row=row.row,
                name=row.name,
                problems=[ImportProblem(column=error["column"] or "(row)", message=error["message"]) for error in row.errors],
            )
            for row in bad[:MAX_ERROR_ROWS_SHOWN]
        ]
        self.hidden_error_rows = max(0, len(bad) - MAX_ERROR_ROWS_SHOWN)
        self._forget_file()
