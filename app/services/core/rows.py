"""One operator's rows: finding one by id, and revoking one (with its audit row).

Every query is scoped by operator: another operator's row is "not found", never
"forbidden", so an answer never tells that the id exists elsewhere.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, select

from app.models.base import utcnow
from app.services.core import audit
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError

Row = TypeVar("Row")


def owned_row(
    session: Session,
    model: type[Row],
    row_id: int,
    operator_id: int,
    *,
    missing: str,
    code: ErrorCode = ErrorCode.not_found,
    field: str | None = None,
) -> Row:
    """The operator's `model` row with this id, or `code` (`not_found`) with the sentence `missing`."""
    row = session.exec(select(model).where(model.id == row_id, model.operator_id == operator_id)).first()
    if row is None:
        raise GiftnetError(code, missing, field=field)
    return row


def revoke_now(session: Session, actor: Actor, row: Any, *, target_type: str, summary: str) -> bool:
    """Mark a credential row (device, POS key, API key) revoked from now on and record
    `<target_type>.revoked` in the audit trail; False when it already was, so that revoking
    twice changes and records nothing."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.add(row)
    audit.record(session, actor, f"{target_type}.revoked", target_type=target_type, target_id=row.id,
                 summary=summary, changes={"revoked": [False, True]})
    return True
