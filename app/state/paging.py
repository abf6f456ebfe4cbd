"""Keyset paging for the dashboard's lists: one mixin instead of the same handlers in
every screen's state.

The browser holds only the page on screen. `cursor_stack` holds the cursor of each page
after the first that was opened (so Previous can go back), `next_cursor` the cursor of
the page after this one (0 on the last page). A state using the mixin implements
`_load_page(cursor)`: load the page that starts after `cursor` (None: the first page)
and set `next_cursor` from the service's answer.
"""

from __future__ import annotations

import reflex as rx


class KeysetPaging(rx.State, mixin=True):
    cursor_stack: list[int] = []
    next_cursor: int = 0

    def _load_page(self, cursor: int | None):  # an event's return (a redirect) or None
        raise NotImplementedError

    def _current_cursor(self) -> int | None:
        return self.cursor_stack[-1] if self.cursor_stack else None

    def _first_page(self):
        """Back to the first page (after a new search or filter)."""
        self.cursor_stack = []
        return self._load_page(None)

    def _this_page(self):
        """The page on screen again (after an action changed its rows)."""
        return self._load_page(self._current_cursor())

    @rx.event
    def next_page(self):
        if not self.next_cursor:
            return None
        self.cursor_stack = [*self.cursor_stack, self.next_cursor]
        return self._load_page(self.next_cursor)

    @rx.event
    def previous_page(self):
        self.cursor_stack = self.cursor_stack[:-1]
        return self._load_page(self._current_cursor())
