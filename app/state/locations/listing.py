"""The Locations list (/locations): search, mode and active filters, pages."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.models import Location
from app.services.access.accounts import SignedIn
from app.services.network import counter_modes, locations
from app.state.paging import KeysetPaging
from app.state.session import SessionState, dashboard_action

PAGE_SIZE = 20


@dataclass
class LocationRow:
    id: int = 0
    name: str = ""
    email: str = ""
    external_id: str = ""
    mode: str = ""
    mode_label: str = ""
    active: bool = True


def _location_row(location: Location) -> LocationRow:
    return LocationRow(
        id=location.id,
        name=location.name,
        email=location.email,
        external_id=location.external_id or "—",
        mode=location.mode,
        mode_label=" · ".join(counter_modes.accepted_ways(location)),
        active=location.active,
    )


class LocationsState(KeysetPaging, SessionState):
    rows: list[LocationRow] = []
    query: str = ""
    mode_filter: str = "all"
    active_filter: str = "all"
    list_error: str = ""

    def _clear_messages(self) -> None:
        self.list_error = ""

    @dashboard_action("list_error")
    def _load_page(self, who: SignedIn, cursor: int | None = None):
        page = locations.list_locations(
            who.operator_id,
            query=self.query or None,
            mode=None if self.mode_filter == "all" else self.mode_filter,
            active=None if self.active_filter == "all" else self.active_filter == "active",
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        self.rows = [_location_row(location) for location in page.locations]
        self.next_cursor = page.next_cursor or 0

    @rx.event
    def load(self):
        return self._first_page()

    @rx.event
    def search(self, form: dict):
        self.query = str(form.get("query", "")).strip()
        return self._first_page()

    @rx.event
    def clear_search(self):
        self.query = ""
        return self._first_page() or rx.set_value("locations-search", "")

    @rx.event
    def set_mode_filter(self, value: str):
        self.mode_filter = value
        return self._first_page()

    @rx.event
    def set_active_filter(self, value: str):
        self.active_filter = value
        return self._first_page()
