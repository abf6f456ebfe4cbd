"""The Audit trail screen: the operator's audit events, newest first, a page at a time
(keyset), filtered by action, by who and by days in the operator's zone, each row opening
to what changed. The CSV holds the same filtered list."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

import reflex as rx

from app.services.access import audit_trail
from app.services.access.accounts import SignedIn
from app.services.core import i18n
from app.services.core.errors import GiftnetError
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time
from app.services.reporting import dashboard_figures
from app.state.session import SessionState, dashboard_action

PAGE_SIZE = 50
ALL = "all"  # a select's value cannot be empty


@dataclass
class AuditChange:
    field: str = ""
    before: str = ""
    after: str = ""


@dataclass
class AuditRow:
    id: int = 0
    when: str = ""
    who: str = ""
    action: str = ""
    action_label: str = ""
    target: str = ""
    summary: str = ""
    ip: str = ""
    changes: list[AuditChange] = field(default_factory=list)


@dataclass
class FilterOption:
    label: str = ""
    value: str = ""


def _shown(value: object) -> str:
    """A before/after value as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _row(event, timezone: str, lang: str = i18n.DEFAULT_LANGUAGE) -> AuditRow:  # noqa: ANN001
    return AuditRow(
        id=event.id,
        when=format_local_time(event.created_at, timezone),
        who=event.actor,
        action=event.action,
        action_label=i18n.translate(audit_trail.action_label(event.action), lang),
        target=f"{event.target_type} #{event.target_id}" if event.target_id else event.target_type,
        summary=event.summary,
        ip=event.ip,
        changes=[AuditChange(field=name, before=_shown(pair[0]), after=_shown(pair[1]))
                 for name, pair in audit_trail.changes_of(event).items()
                 if isinstance(pair, list) and len(pair) == 2],
    )


def _action_options(actions: list[str], lang: str = i18n.DEFAULT_LANGUAGE) -> list[FilterOption]:
    """Every family ("Card: all") with more than one action, then each action, by label."""
    options = [FilterOption(i18n.translate(N_("All actions"), lang), ALL)]
    families: dict[str, int] = {}
    for action in actions:
        families[action.split(".")[0]] = families.get(action.split(".")[0], 0) + 1
    options += [FilterOption(f"{family.replace('_', ' ').capitalize()}: all", f"{family}.")
                for family, count in sorted(families.items()) if count > 1]
    options += sorted((FilterOption(i18n.translate(audit_trail.action_label(action), lang), action) for action in actions),
                      key=lambda option: option.label.lower())
    return options


class AuditState(SessionState):
    rows: list[AuditRow] = []
    expanded_id: int = 0
    loading: bool = False
    error: str = ""
    filter_action: str = ALL
    filter_who: str = ALL
    date_from: str = ""
    date_to: str = ""
    action_options: list[FilterOption] = []
    who_options: list[FilterOption] = []
    cursor_stack: list[str] = []
    next_cursor: str = ""
    has_events: bool = False

    def _filters(self, timezone: str) -> dict:
        """The service's filters from the screen's; refuses (ValueError) an unreadable or reversed range."""
        filters: dict = {}
        if self.filter_action != ALL:
            filters["action"] = self.filter_action
        if self.filter_who != ALL:
            filters["who"] = self.filter_who
        first = date.fromisoformat(self.date_from) if self.date_from else None
        last = date.fromisoformat(self.date_to) if self.date_to else None
        if first and last and last < first:
            raise ValueError(N_("The date range must end on or after its first day."))
        if first:
            filters["since"] = dashboard_figures.days_period(first, first, timezone)[0]
        if last:
            filters["until"] = dashboard_figures.days_period(last, last, timezone)[1]
        return filters

    def _reload(self, who, cursor: str | None) -> None:  # noqa: ANN001
        actor = self._actor(who)
        self.error = ""
        try:
            page = audit_trail.list_events(actor, cursor=cursor, limit=PAGE_SIZE, **self._filters(who.timezone))
        except ValueError as error:
            self.error = self._t(str(error)) if "range" in str(error) else self._t("Choose dates like 2026-11-28.")
            self.rows, self.next_cursor = [], ""
            return
        except GiftnetError as error:
            self.error = error.localized_message(self.lang)
            self.rows, self.next_cursor = [], ""
            return
        self.rows = [_row(event, who.timezone, self.lang) for event in page.events]
        self.next_cursor = page.next_cursor or ""
        self.expanded_id = 0

    def _reload_choices(self, who) -> None:  # noqa: ANN001
        actor = self._actor(who)
        choices = audit_trail.filter_choices(actor)
        self.action_options = _action_options(choices.actions, self.lang)
        self.who_options = [FilterOption(self._t("Everyone"), ALL)] + [FilterOption(label, label) for label in choices.actors]
        self.has_events = audit_trail.has_events(actor)

    @rx.event
    def load(self):
        who = self._signed_in_owner()
        if who is None:
            return self._not_an_owner()
        self.loading = True
        yield
        self.cursor_stack = []
        self._reload_choices(who)
        self._reload(who, None)
        self.loading = False

    @dashboard_action("error", owner=True)
    def _apply(self, who: SignedIn):
        self.cursor_stack = []
        self._reload(who, None)
        return None

    @rx.event
    def set_filter_action(self, value: str):
        self.filter_action = value or ALL
        return self._apply()

    @rx.event
    def set_filter_who(self, value: str):
        self.filter_who = value or ALL
        return self._apply()

    @rx.event
    def set_date_from(self, value: str):
        self.date_from = value

    @rx.event
    def set_date_to(self, value: str):
        self.date_to = value

    @rx.event
    def apply_dates(self):
        return self._apply()

    @rx.event
    def clear_filters(self):
        self.filter_action, self.filter_who, self.date_from, self.date_to = ALL, ALL, "", ""
        return self._apply()

    @rx.event
    def refresh(self):
        who = self._signed_in_owner()
        if who is None:
            return self._not_an_owner()
        self.loading = True
        yield
        self._reload_choices(who)
        self._reload(who, self.cursor_stack[-1] if self.cursor_stack else None)
        self.loading = False

    @rx.event
    @dashboard_action("error", owner=True)
    def next_page(self, who: SignedIn):
        if not self.next_cursor:
            return None
        self.cursor_stack = [*self.cursor_stack, self.next_cursor]
        self._reload(who, self.next_cursor)
        return None

    @rx.event
    @dashboard_action("error", owner=True)
    def previous_page(self, who: SignedIn):
        self.cursor_stack = self.cursor_stack[:-1]
        self._reload(who, self.cursor_stack[-1] if self.cursor_stack else None)
        return None

    @rx.event
    def toggle(self, event_id: int):
        self.expanded_id = 0 if self.expanded_id == event_id else event_id

    @rx.event
    @dashboard_action("error", owner=True)
    def export(self, who: SignedIn):
        """The filtered trail as CSV (every page, newest first), times in the operator's zone."""
        try:
            filters = self._filters(who.timezone)
        except ValueError:
            self.error = self._t("Fix the date range first.")
            return None
        text = audit_trail.events_csv(self._actor(who), who.timezone, **filters)
        return rx.download(data=text, filename="giftnet-audit-trail.csv", mime_type="text/csv")
