"""The Settlements screen: what each location is owed through a date, payout batches,
their bank files, paid and cancelled. Every rule lives in app/services/settlement/
(payables, batches, bank_files); this state only formats its answers and keeps the
screen's choices."""

from __future__ import annotations

import reflex as rx

from app.models.payout import PayoutStatus
from app.services.access.accounts import SignedIn
from app.services.core import i18n
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time
from app.services.reporting import dashboard_figures
from app.services.settlement import bank_files, batches, delivery, payables, prenotes, readiness
from app.state import bank_wording
from app.state.payout_delivery import delivery_cells
from app.state.session import SessionState, dashboard_action

STATUS_LABELS = {PayoutStatus.draft: N_("Draft"), PayoutStatus.exported: N_("Bank file written"), PayoutStatus.paid: N_("Paid"),
                 PayoutStatus.cancelled: N_("Cancelled")}


def _owed_cells(owed: payables.PayableLine | payables.SkippedLocation, currency: str, lang: str) -> dict[str, str]:
    """The columns a paid line and a location left out share: the location, what it redeemed."""
    return {
        "location_id": str(owed.location_id),
        "name": owed.location_name,
        "count": i18n.format_number(owed.redemption_count, lang),
        "gross": i18n.format_money(owed.gross_cents, currency, lang),
    }


def _line_row(line: payables.PayableLine, currency: str, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, str]:
    _ = i18n.translator(lang)

    def money(cents: int) -> str:
        return i18n.format_money(cents, currency, lang)

    rate = f"{line.commission_bps / 100:g}" if lang == "en" else i18n.format_number(line.commission_bps / 100, lang)
    return {
        **_owed_cells(line, currency, lang),
        "commission": f"{money(line.commission_cents)} ({rate} %)",
        "net": money(line.net_cents)
        + (_(N_(" (with {amount} returned earlier)"), amount=money(line.carried_cents)) if line.carried_cents else "")
        + (_(N_(" (after {amount} refunded to cards)"), amount=money(line.refunded_cents)) if line.refunded_cents else ""),
        "bank": bank_wording.summary(line.bank_summary, lang),
        # a batch's line: paid, or given back by the bank and why
        "status": _(N_("Returned")) if getattr(line, "status", "paid") == "returned" else _(N_("Paid")),
        "return_reason": f"{line.return_reason_code} {line.return_reason}" if getattr(line, "return_reason", None)
        else "",
    }


def _skipped_row(skipped: payables.SkippedLocation, currency: str, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, str]:
    _ = i18n.translator(lang)
    carried = i18n.format_money(skipped.carried_cents, currency, lang)
    owed_again = _(N_(" ({amount} returned by the bank waits too)"), amount=carried) if skipped.carried_cents else ""
    cells = _owed_cells(skipped, currency, lang)
    if skipped.carried_cents:  # what it is owed is not only its redemptions: the gross alone would say $0.00
        cells["gross"] += _(N_(" + {amount} returned"), amount=carried)
    return {**cells, "reason": _(skipped.reason) + owed_again,
            "payable_from": skipped.payable_from.isoformat() if skipped.payable_from else ""}


def _readiness_row(item: readiness.ReadinessItem, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, str]:
    _ = i18n.translator(lang)
    key = f"location-{item.location_id}" if item.kind == "location" else (item.field or "").replace(".", "-")
    subject = item.subject
    if item.kind == "setting" and subject.endswith(" settings"):
        subject = _(N_("{format} settings"), format=subject.removesuffix(" settings"))
    return {"key": key.replace("_", "-"), "subject": subject, "problem": bank_wording.setting_problem(item.field or "", item.problem, lang) if item.kind == "setting"
            else _(item.problem), "fix_path": item.fix_path,
            "fix_label": _(N_("Open Settings")) if item.kind == "setting" else _(N_("Edit the location"))}


def _prenote_row(prenote: prenotes.PrenoteView) -> dict[str, str]:
    return {"location_id": str(prenote.location_id), "name": prenote.location_name, "bank": prenote.account_summary,  # (English: a bank's own words)
            "settles": prenote.settlement_date.isoformat(), "payable_from": prenote.payable_from.isoformat()}


class SettlementsState(SessionState):
    """Owners only: staff load nothing here (and the services refuse them)."""

    through: str = ""
    from_date: str = ""  # empty: everything unpaid, however old
    effective: str = ""  # empty: the next business day
    settlements_error: str = ""
    settlements_notice: str = ""
    preview_lines: list[dict[str, str]] = []
    preview_skipped: list[dict[str, str]] = []
    preview_totals: dict[str, str] = {}
    batches: list[dict[str, str]] = []
    more_batches: bool = False
    selected_id: int = 0
    detail: dict[str, str] = {}
    detail_lines: list[dict[str, str]] = []
    detail_skipped: list[dict[str, str]] = []  # left out (no bank details, waiting for a prenote): at creation
    detail_prenotes: list[dict[str, str]] = []
    email_statements: bool = False
    readiness_items: list[dict[str, str]] = []  # what a bank file still needs (readiness.py)
    readiness_more: int = 0
    create_blocked: str = ""  # why Create is disabled: no bank file could be written (readiness.file_blocker)
    readiness_shown: bool = False  # before the first batch, and whenever something is missing
    prenotes_due: str = ""  # the locations the next batch sends a prenote for (a batch is worth it for them alone)

    def _clear_messages(self) -> None:
        self.settlements_error, self.settlements_notice = "", ""

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def load(self, who: SignedIn):
        if not self.through:
            self.through = dashboard_figures.local_today(who.timezone).isoformat()
        self._preview(who)
        self._load_batches(who)
        self._readiness(who)
        if self.selected_id:
            self._load_detail(who)
        return None

    def _readiness(self, who) -> None:  # noqa: ANN001
        checklist = readiness.bank_file_readiness(who.operator_id)
        self.readiness_items = [_readiness_row(item, self.lang) for item in checklist.items]
        self.readiness_more = checklist.more_locations
        self.readiness_shown = not checklist.ready or not self.batches
        self.create_blocked = readiness.file_blocker(checklist)
        if self.create_blocked and self.lang != i18n.DEFAULT_LANGUAGE:  # the same sentence, in the reader's language
            rows = [row for row in self.readiness_items if row["fix_path"] == "/settings"]
            self.create_blocked = self._t(
                "A batch needs its bank file settings first, and these are missing: {missing}. Fill them in on the "
                "Settings screen.", missing="; ".join(f"{row['subject']}\u00a0: {row['problem']}" for row in rows))

    def _preview(self, who) -> None:  # noqa: ANN001
        self.preview_lines, self.preview_skipped, self.preview_totals = [], [], {}
        self.prenotes_due = ""
        try:
            owed = payables.payables(who.operator_id, self.through, self.from_date or None)
        except GiftnetError as error:
            self.settlements_error = error.localized_message(self.lang)
            return
        except OverflowError:  # year 9999 or 1: beyond the calendar once moved to UTC
            self.settlements_error = self._t("Choose a date between the years 2 and 9998.")
            return
        self.preview_lines = [_line_row(line, who.currency, self.lang) for line in owed.lines]
        self.prenotes_due = ", ".join(prenotes.prenotes_due(who.operator_id))
        self.preview_skipped = [_skipped_row(skipped, who.currency, self.lang) for skipped in owed.skipped]
        self.preview_totals = {
            "count": i18n.format_number(owed.redemption_count, self.lang),
            "gross": self._money(owed.total_gross_cents, who.currency),
            "commission": self._money(owed.total_commission_cents, who.currency),
            "net": self._money(owed.total_net_cents, who.currency),
        }

    def _load_batches(self, who) -> None:  # noqa: ANN001
        page = batches.list_payouts(who.operator_id, limit=50)
        self.more_batches = page.next_cursor is not None
        self.batches = [
            {
                "id": str(batch.id),
                "status": batch.status,
                "status_label": self._t(STATUS_LABELS[batch.status]) if batch.status in STATUS_LABELS else batch.status,
                "created": format_local_time(batch.created_at, who.timezone),
                "through": format_local_time(batch.period_through, who.timezone),
                "effective": batch.effective_date.isoformat() if batch.effective_date else "",
                "count": i18n.format_number(batch.redemption_count, self.lang),
                "net": self._money(batch.total_net_cents, who.currency),
            }
            for batch in page.batches
        ]

    def _show_detail(self, detail: batches.PayoutDetail, who) -> None:  # noqa: ANN001
        batch = detail.batch
        self.selected_id = batch.id
        self.detail = {
            "id": str(batch.id),
            "status": batch.status,
            "status_label": self._t(STATUS_LABELS[batch.status]) if batch.status in STATUS_LABELS else batch.status,
            "through": format_local_time(batch.period_through, who.timezone),
            "effective": batch.effective_date.isoformat() if batch.effective_date else "",
            "gross": self._money(batch.total_gross_cents, who.currency),
            "commission": self._money(batch.total_commission_cents, who.currency),
            "net": self._money(batch.total_net_cents, who.currency),
            "files": ", ".join(f"{bank_file.filename} (sha256 {bank_file.sha256[:12]}…)" for bank_file in detail.files),
            **delivery_cells(delivery.delivery_of(who.operator_id, batch.id), who.timezone, self.lang),
        }
        self.detail_lines = [_line_row(line, who.currency, self.lang) for line in detail.lines]
        self.detail_skipped = [_skipped_row(skipped, who.currency, self.lang) for skipped in detail.skipped]
        self.detail_prenotes = [_prenote_row(prenote) for prenote in prenotes.batch_prenotes(who.operator_id, batch.id)]

    def _load_detail(self, who) -> None:  # noqa: ANN001
        try:
            self._show_detail(batches.get_payout(who.operator_id, self.selected_id), who)
        except GiftnetError:
            self.selected_id, self.detail, self.detail_lines = 0, {}, []
            self.detail_skipped, self.detail_prenotes = [], []

    @rx.event
    def set_through(self, value: str):
        self.through = value

    @rx.event
    def set_from_date(self, value: str):
        self.from_date = value

    @rx.event
    def set_effective(self, value: str):
        self.effective = value

    @rx.event
    def set_email_statements(self, value: bool):
        self.email_statements = bool(value)

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def show_preview(self, who: SignedIn):
        self._preview(who)
        return None

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def create_batch(self, who: SignedIn):
        try:
            detail = batches.create_payout(self._actor(who), self.through, self.from_date or None,
                                              self.effective or None, require_bank_file=True)
        except OverflowError:  # year 9999 or 1: beyond the calendar once moved to UTC
            self.settlements_error = self._t("Choose a date between the years 2 and 9998.")
            return None
        self._show_detail(detail, who)
        if detail.skipped:
            self.settlements_notice = self._t("Batch #{id} created; {count} location(s) left out.", id=detail.batch.id,
                                              count=len(detail.skipped))
        else:
            self.settlements_notice = self._t("Batch #{id} created.", id=detail.batch.id)
        self._preview(who)
        self._load_batches(who)
        self._readiness(who)
        return None

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def open_batch(self, who: SignedIn, batch_id: str):
        self.selected_id = int(batch_id)
        self._load_detail(who)
        return None

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def download(self, who: SignedIn, file_format: str):
        stored = bank_files.export_bank_file(self._actor(who), self.selected_id, file_format)
        self._load_detail(who)
        self._load_batches(who)
        return rx.download(data=bank_files.bank_file_bytes(stored), filename=stored.filename, mime_type="text/plain")

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def mark_paid(self, who: SignedIn):
        detail = batches.mark_paid(self._actor(who), self.selected_id, email_statements=self.email_statements)
        self._show_detail(detail, who)
        self.settlements_notice = self._t("Batch #{id} is paid.", id=detail.batch.id)
        if self.email_statements:
            self.settlements_notice += " " + self._t("Statements are on their way to the locations.")
        self._load_batches(who)
        return None

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def cancel(self, who: SignedIn):
        detail = batches.cancel_payout(self._actor(who), self.selected_id)
        self._show_detail(detail, who)
        self.settlements_notice = self._t("Batch #{id} is cancelled; its redemptions are payable again.", id=detail.batch.id)
        self._preview(who)
        self._load_batches(who)
        return None

    @rx.event
    @dashboard_action("settlements_error", owner=True)
    def retry_delivery(self, who: SignedIn):
        delivery.retry_delivery(self._actor(who), self.selected_id)
        self._load_detail(who)
        self.settlements_notice = self._t("Batch #{id}: its bank file is sent to the bank in a few seconds.",
                                          id=self.selected_id)
        return None
