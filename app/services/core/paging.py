"""Keyset pages by id: a list screen or endpoint reads one page and the cursor of the next,
never an OFFSET that rereads what came before."""

from __future__ import annotations

from typing import Any

from app.db import read_session


def id_page(statement: Any, model: Any, *, limit: int, cursor: int | None,
            newest_first: bool = True) -> tuple[list, int | None]:
    """Up to `limit` rows of `statement` past the `cursor` id (newest first: below it; oldest
    first: above it), and the cursor of the next page (None on the last page)."""
    if cursor is not None:
        statement = statement.where(model.id < cursor if newest_first else model.id > cursor)
    order = model.id.desc() if newest_first else model.id
    with read_session() as session:
        rows = list(session.exec(statement.order_by(order).limit(limit + 1)).all())
    has_more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if has_more else None)
