"""The parameters many routes share: a record's id in the path, and a page of a list (its
size, the cursor that the previous page answered as `next_cursor`). Each call makes a new
FastAPI parameter (FastAPI writes the route's annotation into the one it is given)."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from fastapi import Path, Query

from app.api.schemas import MAX_ID, cursor_text


class _HasId(Protocol):
    id: int


RowT = TypeVar("RowT", bound=_HasId)


def id_in_path(description: str, example: int) -> Any:
    """A record's id in the path: 1 to MAX_ID (a larger one would make PostgreSQL refuse the query)."""
    return Path(ge=1, le=MAX_ID, description=description, examples=[example])


def page_size(default: int, most: int = 100) -> Any:
    """`limit`: how many rows a page holds."""
    return Query(default=default, ge=1, le=most)


def page_cursor() -> Any:
    """`cursor`: where the page starts, as the previous page answered it."""
    return Query(default=None, max_length=32, description="`next_cursor` of the previous page.")


def next_page(rows: list[RowT], limit: int) -> tuple[list[RowT], str | None]:
    """The page out of `limit + 1` rows fetched: its first `limit` rows, and the cursor of the
    page after it (None when there is none)."""
    return rows[:limit], cursor_text(rows[limit - 1].id) if len(rows) > limit else None
