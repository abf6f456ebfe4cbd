"""What parts of a location's screen share: a list shown a page at a time, and a row acted
on (revoked, voided) only after a confirmation dialog names it."""

from __future__ import annotations

import reflex as rx

from app.services.access.accounts import SignedIn
from app.services.core.errors import GiftnetError
from app.state.paging import KeysetPaging
from app.state.session import dashboard_action


class PagedRows(KeysetPaging, mixin=True):
    """A part's paged list, in the part's `rows` var. The part implements `_page(who, cursor)`:
    the rows of the page after `cursor` (None: the first) and the next page's cursor (None on
    the last). A refused page (the location is not the operator's) shows no rows."""

    def _page(self, who: SignedIn, cursor: int | None) -> tuple[list, int | None]:
        raise NotImplementedError(f"{type(self).__name__} pages a list: it says how (_page)")

    def _show_page(self, who: SignedIn, cursor: int | None) -> None:
        try:
            rows, next_cursor = self._page(who, cursor)
        except GiftnetError:
            rows, next_cursor = [], None
        self.rows, self.next_cursor = rows, next_cursor or 0

    def _show_first_page(self, who: SignedIn) -> None:
        self.cursor_stack = []
        self._show_page(who, None)

    @dashboard_action(clear=False)
    def _load_page(self, who: SignedIn, cursor: int | None = None):
        self._show_page(who, cursor)


class ConfirmedRow(rx.State, mixin=True):
    """A part whose row is acted on only once a dialog naming it is confirmed: `ask(row_id)`
    opens the dialog (`confirm_id`, `confirm_label`), `keep()` closes it, and the act takes
    the row with `_confirmed()`. The part says where its rows are and how a row is named."""

    confirm_id: int = 0
    confirm_label: str = ""

    def _rows_to_confirm(self) -> list:
        raise NotImplementedError(f"{type(self).__name__} confirms rows: it says where they are (_rows_to_confirm)")

    def _label(self, row: object) -> str:  # the part's row dataclass
        raise NotImplementedError(f"{type(self).__name__} confirms rows: it says how one is named (_label)")

    @rx.event
    def ask(self, row_id: int):
        row = next((row for row in self._rows_to_confirm() if row.id == int(row_id)), None)
        if row is not None:
            self.confirm_id, self.confirm_label = row.id, self._label(row)

    @rx.event
    def keep(self):
        self.confirm_id = 0

    def _confirmed(self) -> int:
        """The row the dialog confirmed (0 for none); the dialog closes."""
        row_id, self.confirm_id = self.confirm_id, 0
        return row_id
