"""A location's POS keys (`gkpos_...`): shown once, kept as a keyed hash, revocable.

A POS key may only push and read POS payments of its own location. Making one turns the
location's POS payments on (`counter_modes.enable_pos_payments`): a key for a counter that
refuses every push would only trap the merchant.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlmodel import select

from app.db import read_session, write_session
from app.models import Location, PosKey
from app.services.core import audit, crypto
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import require_owner
from app.services.core.rows import owned_row, revoke_now
from app.services.core.validation import required_text
from app.services.network import counter_modes

POS_KEY_HASH = "pos-key"
POS_KEY_PREFIX = "gkpos_"


@dataclass(frozen=True)
class CreatedPosKey:
    pos_key: PosKey
    plaintext: str
    # The key turned the location's POS payments on (they were off): the screen and the API say so.
    pos_payments_turned_on: bool = False
    notice: str | None = None


def create_pos_key(actor: Actor, location_id: int, name: str) -> CreatedPosKey:
    """A key the location's POS pushes payments with, shown once. Owners only. Turns the
    location's POS payments on when they were off (audited; `pos_payments_turned_on`)."""
    require_owner(actor, "create POS keys")
    name = required_text(name, field="name", max_length=120, label="The key's name")
    plaintext = POS_KEY_PREFIX + secrets.token_urlsafe(32)
    with write_session() as session:
        location = session.exec(
            select(Location).where(Location.id == location_id, Location.operator_id == actor.operator_id)
        ).first()
        if location is None:
            raise GiftnetError(ErrorCode.not_found, N_("No such location."))
        pos_key = PosKey(
            operator_id=actor.operator_id,
            location_id=location_id,
            name=name,
            prefix=plaintext[:14],
            key_hash=crypto.keyed_hash(POS_KEY_HASH, plaintext),
        )
        session.add(pos_key)
        session.flush()
        audit.record(session, actor, "pos_key.created", target_type="pos_key", target_id=pos_key.id,
                     summary=f"POS key “{name}” ({pos_key.prefix}…) created for location #{location_id}",
                     changes={"name": [None, name], "prefix": [None, pos_key.prefix], "location_id": [None, location_id]})
        turned_on = counter_modes.enable_pos_payments(session, location, f"POS key “{name}” created", actor=actor)
        notice = counter_modes.pos_payments_turned_on_message(location) if turned_on else None
    if turned_on:
        counter_modes.publish_location_updated(actor.operator_id, location_id, ["accepts_pos_payments"])
    return CreatedPosKey(pos_key=pos_key, plaintext=plaintext, pos_payments_turned_on=turned_on, notice=notice)


def resolve_pos_key(plaintext: str | None) -> PosKey | None:
    if not plaintext or not plaintext.startswith(POS_KEY_PREFIX) or len(plaintext) > 200:
        return None
    with read_session() as session:
        return session.exec(
            select(PosKey).where(
                PosKey.key_hash == crypto.keyed_hash(POS_KEY_HASH, plaintext), PosKey.revoked_at.is_(None)
            )
        ).first()


def list_pos_keys(operator_id: int, location_id: int) -> list[PosKey]:
    with read_session() as session:
        return list(
            session.exec(
                select(PosKey).where(PosKey.operator_id == operator_id, PosKey.location_id == location_id)
                .order_by(PosKey.id.desc())
            ).all()
        )


def revoke_pos_key(actor: Actor, pos_key_id: int) -> PosKey:
    """Revoke at once: the POS is refused from its next push. Owners only."""
    require_owner(actor, "revoke POS keys")
    with write_session() as session:
        pos_key = owned_row(session, PosKey, pos_key_id, actor.operator_id, missing=N_("No such POS key."))
        revoke_now(session, actor, pos_key, target_type="pos_key",
                   summary=f"POS key “{pos_key.name}” ({pos_key.prefix}…) revoked")
    return pos_key
