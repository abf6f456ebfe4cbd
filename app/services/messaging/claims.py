"""Claiming the next due row of a sending queue (outbox emails, webhook deliveries), so
that any number of sender processes may run and each row goes out once.

SQLite: the write transaction starts with BEGIN IMMEDIATE, so claims are serialized.
PostgreSQL: SKIP LOCKED makes a concurrent sender pass over the row this one is
claiming. On both, the conditional UPDATE is what decides.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from app.db import read_session, write_session


def any_row(model: Any, condition: Any) -> bool:
    """A read first, so that an idle sender never takes SQLite's write lock."""
    with read_session() as session:
        return session.exec(select(model.id).where(condition).limit(1)).first() is not None


def claim_next(model: Any, claimable: Any, *, sending: dict, loaded: Callable[[Session, Any], None] | None = None):
    """The next `claimable` row (earliest `next_attempt_at` first), moved by one conditional
    UPDATE to the `sending` values with one more attempt; None when nothing is due or
    another sender won it. `loaded(session, row)` may read more in the claiming transaction."""
    if not any_row(model, claimable):
        return None
    with write_session() as session:
        candidate = select(model.id).where(claimable).order_by(model.next_attempt_at, model.id).limit(1)
        if session.get_bind().dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        row_id = session.exec(candidate).first()
        if row_id is None:
            return None
        claimed = session.execute(
            update(model).where(model.id == row_id, claimable).values(attempts=model.attempts + 1, **sending)
        ).rowcount
        if claimed != 1:
            return None
        row = session.get(model, row_id, populate_existing=True)
        if loaded is not None:
            loaded(session, row)
        return row
