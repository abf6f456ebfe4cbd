"""The Reconciliation screen: does every cent add up for a period?"""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core.timefmt import format_local_time
from app.services.settlement.reconciliation import reconcile
from app.state.session import SessionState, dashboard_action


@dataclass
class CheckRow:
    key: str = ""
    title: str = ""
    status: str = ""
    summary: str = ""


@dataclass
class MismatchRow:
    index: int = 0
    check: str = ""
    subject: str = ""
    expected: str = ""
    actual: str = ""
    cause: str = ""




class ReconciliationState(SessionState):
    period_from: str = ""
    period_to: str = ""
    period_label: str = ""
    checks: list[CheckRow] = []
    mismatches: list[MismatchRow] = []
    error: str = ""
    loaded: bool = False

    def _clear_messages(self) -> None:
        self.error = ""

    @dashboard_action("error")
    def _run(self, who: SignedIn):
        result = reconcile(who.operator_id, self.period_from or None, self.period_to or None)
        self.period_label = self._t("{start} to {end} ({zone})", start=format_local_time(result.period_from, who.timezone),
                                    end=format_local_time(result.period_to, who.timezone), zone=who.timezone)
        # The service's fixed sentences are catalog entries (N_); those with figures stay as written.
        self.checks = [CheckRow(key=check.key, title=self._t(check.title), status=check.status,
                                summary=self._t(check.summary))
                       for check in result.checks]
        titles = {check.key: self._t(check.title) for check in result.checks}

        def amount(cents: int | None) -> str:
            return "—" if cents is None else self._money(cents, who.currency)

        self.mismatches = [
            MismatchRow(index=index, check=mismatch.check if self.lang == "en" else titles.get(mismatch.check, mismatch.check), subject=self._t(mismatch.subject),
                        expected=amount(mismatch.expected_cents), actual=amount(mismatch.actual_cents),
                        cause=self._t(mismatch.cause))
            for index, mismatch in enumerate(result.mismatches)
        ]
        self.loaded = True
        return None

    @rx.event
    def load(self):
        return self._run()

    @rx.event
    def apply(self, form: dict):
        self.period_from = str(form.get("from", "")).strip()
        self.period_to = str(form.get("to", "")).strip()
        return self._run()
