"""The operator's own row, read by every domain that needs its settings (zone, currency,
commission, card limits): found, or refused with one `not_found`."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import Operator
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_


def operator_or_404(session: Session, operator_id: int, *, lock: bool = False) -> Operator:
    """The operator's row; `not_found` when there is none.

    With `lock` (PostgreSQL), the row is held until commit against a second writer of
    the same kind (one payout batch creation at a time per operator; SQLite's BEGIN
    IMMEDIATE already is). NO KEY UPDATE, so that redemptions and ledger rows, whose
    foreign keys share-lock this row, are never blocked by it (or deadlock with it).
    """
    statement = select(Operator).where(Operator.id == operator_id)
    if lock:
        statement = statement.with_for_update(key_share=True)
    operator = session.exec(statement).first()
    if operator is None:
        raise GiftnetError(ErrorCode.not_found, N_("This operator does not exist."))
    return operator
