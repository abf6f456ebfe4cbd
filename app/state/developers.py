"""The Developers screen: the operator's API keys and the API access log, live."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from app.models import ApiRequestLog
from app.services.access import api_keys, api_log
from app.services.access.accounts import SignedIn
from app.services.core.errors import GiftnetError
from app.services.core.timefmt import format_local_seconds
from app.state.keys import KeyRow, key_row
from app.state.paging import KeysetPaging
from app.state.session import SessionState, dashboard_action

LOG_PAGE_SIZE = 25
LIVE_REFRESH_SECONDS = 2.0
LIVE_MAX_SECONDS = 4 * 3600  # a forgotten tab stops polling after a working day's half
ALL = "all"


@dataclass
class KeyOption:
    value: str = ""
    label: str = ""


@dataclass
class ApiLogRow:
    id: int = 0
    time: str = ""
    method: str = ""
    path: str = ""
    status: int = 0
    status_class: str = ""
    duration: str = ""
    ip: str = ""
    key_prefix: str = ""


def _log_row(row: ApiRequestLog, timezone: str) -> ApiLogRow:
    return ApiLogRow(
        id=row.id,
        time=format_local_seconds(row.created_at, timezone),
        method=row.method,
        path=row.path,
        status=row.status,
        status_class=f"{row.status // 100}xx",
        duration=f"{row.duration_ms} ms",
        ip=row.ip,
        key_prefix=row.api_key_prefix or "—",
    )


def _client_connected(token: str) -> bool:
    """Whether the browser tab behind `token` still has its websocket on this worker."""
    try:
        from reflex.utils.prerequisites import get_app

        namespace = get_app().app.event_namespace
    except Exception:  # noqa: BLE001 - when unsure, keep serving the tab
        return True
    return namespace is None or token in namespace.token_to_sid


# Owners only: staff load nothing here (and the key services refuse them).
class DevelopersState(KeysetPaging, SessionState):
    """API keys, and the access log (its paged list: the mixin's cursors)."""

    keys: list[KeyRow] = []
    key_options: list[KeyOption] = []
    key_error: str = ""
    key_message: str = ""
    new_key_name: str = ""
    new_key_plaintext: str = ""
    revoke_id: int = 0
    revoke_name: str = ""

    logs: list[ApiLogRow] = []
    log_status_class: str = ALL
    log_path: str = ""
    log_key: str = ALL
    log_error: str = ""
    live: bool = False
    _live_generation: int = 0

    # --- API keys -------------------------------------------------------------

    def _reload_keys(self, operator_id: int, timezone: str) -> None:
        keys = api_keys.list_api_keys(operator_id)
        self.keys = [key_row(key, timezone, self.lang) for key in keys]
        self.key_options = [KeyOption(value=ALL, label=self._t("All keys"))] + [
            KeyOption(value=str(key.id), label=f"{key.name} ({key.prefix}…)") for key in keys
        ]

    def _clear_messages(self) -> None:
        self.key_error, self.key_message = "", ""

    @rx.event
    @dashboard_action("key_error", owner=True)
    def load(self, who: SignedIn):
        self.log_error = ""
        self.new_key_plaintext, self.new_key_name = "", ""
        self.revoke_id, self.revoke_name = 0, ""
        self._reload_keys(who.operator_id, who.timezone)
        self._first_page()
        return DevelopersState.watch_log

    @rx.event
    @dashboard_action("key_error", owner=True)
    def create_key(self, who: SignedIn, form: dict):
        created = api_keys.create_api_key(who.operator_id, str(form.get("name", "")), user_id=who.user_id)
        self.new_key_name = created.api_key.name
        self.new_key_plaintext = created.plaintext
        self._reload_keys(who.operator_id, who.timezone)
        return rx.set_value("api-key-name", "")

    @rx.event
    def dismiss_new_key(self):
        self.new_key_plaintext, self.new_key_name = "", ""

    @rx.event
    def copy_new_key(self):
        self.key_message = self._t("Copied. Keep it somewhere safe: it will not be shown again.")
        return rx.set_clipboard(self.new_key_plaintext)

    @rx.event
    def ask_revoke(self, key_id: int):
        row = next((key for key in self.keys if key.id == key_id and not key.revoked), None)
        if row is not None:
            self.revoke_id, self.revoke_name = row.id, row.name

    @rx.event
    def cancel_revoke(self):
        self.revoke_id, self.revoke_name = 0, ""

    @rx.event
    @dashboard_action("key_error", owner=True)
    def confirm_revoke(self, who: SignedIn):
        try:
            revoked = api_keys.revoke_api_key(who.operator_id, self.revoke_id, user_id=who.user_id)
        finally:  # refused or not, the dialog closes on the keys as they are now
            self.revoke_id, self.revoke_name = 0, ""
            self._reload_keys(who.operator_id, who.timezone)
        self.key_message = self._t("Key “{name}” revoked: calls with it are refused from now on.", name=revoked.name)

    # --- access log -----------------------------------------------------------

    def _load_page(self, cursor: int | None = None) -> None:
        who = self._signed_in_owner()
        if who is None:
            return
        try:
            page = api_log.list_api_logs(
                who.operator_id,
                status_class=None if self.log_status_class == ALL else self.log_status_class,
                path_contains=self.log_path or None,
                api_key_id=None if self.log_key == ALL else int(self.log_key),
                limit=LOG_PAGE_SIZE,
                cursor=cursor,
            )
        except (GiftnetError, ValueError) as error:
            self.log_error = (error.localized_message(self.lang) if isinstance(error, GiftnetError)
                              else self._t("This filter is not valid."))
            return
        self.log_error = ""
        rows = [_log_row(row, who.timezone) for row in page.rows]
        if [row.id for row in rows] != [row.id for row in self.logs]:
            self.logs = rows
        self.next_cursor = page.next_cursor or 0

    @rx.event
    def set_log_status_class(self, value: str):
        self.log_status_class = value if value in (ALL, *api_log.STATUS_CLASSES) else ALL
        self._first_page()

    @rx.event
    def set_log_key(self, value: str):
        self.log_key = value if value == ALL or (value.isascii() and value.isdigit()) else ALL
        self._first_page()

    @rx.event
    def search_log_path(self, form: dict):
        self.log_path = str(form.get("path", "")).strip()[:255]
        self._first_page()

    @rx.event
    def clear_log_filters(self):
        self.log_status_class, self.log_key, self.log_path = ALL, ALL, ""
        self._first_page()
        return rx.set_value("api-log-path", "")

    @rx.event(background=True)
    async def watch_log(self):
        """Refresh the first page of the log every LIVE_REFRESH_SECONDS while this tab shows
        the screen. A newer watcher (the page loaded again) retires this one."""
        async with self:
            self._live_generation += 1
            generation = self._live_generation
            token = self.router.session.client_token
            self.live = True
        started = asyncio.get_running_loop().time()
        while asyncio.get_running_loop().time() - started < LIVE_MAX_SECONDS:
            await asyncio.sleep(LIVE_REFRESH_SECONDS)
            if not _client_connected(token):
                break
            async with self:
                if generation != self._live_generation or self.router.page.path != "/developers":
                    return
                if not self.cursor_stack:  # later pages stay still while being read
                    self._load_page(None)
        async with self:
            if generation == self._live_generation:
                self.live = False
