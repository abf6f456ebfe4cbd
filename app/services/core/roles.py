"""Who may do what in an operator's dashboard.

- **owner**: everything.
- **staff**: the day-to-day work (cards, locations and devices, redemptions, orders,
  reports, reconciliation, the outbox), but not the settings (operator, payout, shop
  and gateway), the developer keys and secrets (API keys, POS keys, webhook endpoints),
  payouts and settlement, the team, or the audit trail.

One rule in one place: every owner-only service calls `require_owner` before it reads
or changes anything, whichever screen or route called it. Screens also hide what staff
cannot use, but hiding is a courtesy; this check is the lock.
"""

from __future__ import annotations

from sqlmodel import Session, select

from app.db import read_session
from app.models import Operator, User
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_

OWNER = "owner"
STAFF = "staff"
ROLES = (OWNER, STAFF)
ROLE_LABELS = {OWNER: N_("Owner"), STAFF: N_("Staff")}
ROLE_DESCRIPTIONS = {
    OWNER: N_("everything, including settings, API keys, payouts, the team and the audit trail"),
    STAFF: N_("cards, locations, devices, redemptions, orders and reports; no settings, keys or payouts"),
}
# A removed member keeps their row (their name stays on the history they wrote) but can
# neither sign in nor act: their password is unusable and their sessions are revoked.
REMOVED = "removed"


def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role.title())


def _current_role(session: Session, actor: Actor) -> str | None:
    if actor.user_id is None:
        return actor.role
    return session.exec(
        select(User.role).where(User.id == actor.user_id, User.operator_id == actor.operator_id)
    ).first()


def _refusal(session: Session, actor: Actor, doing: str) -> GiftnetError:
    operator_name = session.exec(select(Operator.name).where(Operator.id == actor.operator_id)).first()
    return GiftnetError(
        ErrorCode.forbidden, N_("Only an owner can {doing}; ask an owner of {value}."), params={"doing": doing, "value": operator_name or 'your network'}
    )


def require_owner(actor: Actor, doing: str, *, session: Session | None = None) -> None:
    """Refuse with `forbidden` ("Only an owner can <doing>; ask an owner of <operator>.")
    unless the actor is an owner of its operator.

    A signed-in person's role is read again from the database, not trusted from the
    Actor alone: a demotion or a removal counts from the next click, even on a screen
    opened before, and an Actor built without its role cannot act as an owner. API keys
    (only owners create them) and the system act as owners; a counter device never does.
    Pass `session` to check inside the caller's transaction.
    """
    if session is None:
        with read_session() as own_session:
            return require_owner(actor, doing, session=own_session)
    allowed = (
        actor.role == OWNER
        and actor.device_id is None
        and _current_role(session, actor) == OWNER
    )
    if not allowed:
        raise _refusal(session, actor, doing)
    return None


def is_owner(actor: Actor) -> bool:
    """Whether `require_owner` would let the actor through (for screens that choose what to show)."""
    try:
        require_owner(actor, "do this")
    except GiftnetError:
        return False
    return True


__all__ = [
    "OWNER",
    "REMOVED",
    "ROLES",
    "ROLE_DESCRIPTIONS",
    "ROLE_LABELS",
    "STAFF",
    "is_owner",
    "require_owner",
    "role_label",
]
