"""Device activation: a location's time-limited link, and the devices it activates.

The link is emailed to the location; every device that opens it (until it expires
or a newer link replaces it) is activated with a unique human code (`DV-7KQ2-M9`)
and a secret its browser keeps. Links and secrets are stored as keyed hashes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.models import ActivationLink, Device, Location, Operator
from app.models.base import utcnow
from app.services.core import audit, crypto, events
from app.services.core.actor import Actor
from app.services.core.codes import ALPHABET
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.rows import owned_row, revoke_now
from app.services.core.validation import required_text
from app.settings import get_settings

LINK_HASH = "activation-link"
DEVICE_SECRET_HASH = "device-secret"
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def activation_ttl() -> timedelta:
    return timedelta(hours=get_settings().activation_link_ttl_hours)


@dataclass(frozen=True)
class SentLink:
    link: ActivationLink
    token: str
    url: str
    replaced: ActivationLink | None = None  # the location's previous link, which this one retired


def live_activation_link(operator_id: int, location_id: int) -> ActivationLink | None:
    """The location's link that still works (not expired, not replaced), if any: sending a
    new one would retire it, so the screen asks first."""
    with read_session() as session:
        owned_row(session, Location, location_id, operator_id, missing=N_("No such location."))
        return session.exec(select(ActivationLink).where(
            ActivationLink.location_id == location_id, ActivationLink.operator_id == operator_id,
            ActivationLink.revoked_at.is_(None), ActivationLink.expires_at > utcnow(),
        ).order_by(ActivationLink.id.desc())).first()


def activation_url(token: str) -> str:
    return f"{get_settings().public_url}/activate/{token}"


def create_activation_link(actor: Actor, location_id: int) -> SentLink:
    """A fresh link for the location; older links of the location stop working."""
    with write_session() as session:
        return issue_activation_link(session, actor, location_id)


def issue_activation_link(session: Session, actor: Actor, location_id: int) -> SentLink:
    """`create_activation_link` inside the caller's transaction (so the email that
    carries the link is queued in the same commit)."""
    token = secrets.token_urlsafe(24)
    now = utcnow()
    location = owned_row(session, Location, location_id, actor.operator_id, missing=N_("No such location."))
    replaced = session.exec(select(ActivationLink).where(ActivationLink.location_id == location_id)
                            .order_by(ActivationLink.id.desc())).first()
    session.execute(
        update(ActivationLink)
        .where(ActivationLink.location_id == location_id, ActivationLink.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    link = ActivationLink(
        operator_id=actor.operator_id,
        location_id=location_id,
        token_hash=crypto.keyed_hash(LINK_HASH, token),
        created_at=now,
        expires_at=now + activation_ttl(),
    )
    session.add(link)
    session.flush()
    audit.record(session, actor, "activation_link.sent", target_type="location", target_id=location_id,
                 summary=f"Device activation link for “{location.name}” issued; older links stop working",
                 changes={"expires_at": [None, link.expires_at]})
    return SentLink(link=link, token=token, url=activation_url(token), replaced=replaced)


@dataclass(frozen=True)
class LinkCheck:
    """What opening an activation link finds: the location, or why it cannot be used."""

    ok: bool
    reason: str  # ok | unknown | expired | revoked | location_inactive
    location_id: int | None = None
    location_name: str = ""
    operator_name: str = ""
    expires_at: object = None


def check_activation_link(token: str | None) -> LinkCheck:
    if not token or len(token) > 128:
        return LinkCheck(ok=False, reason="unknown")
    with read_session() as session:
        row = session.exec(
            select(ActivationLink, Location, Operator)
            .join(Location, Location.id == ActivationLink.location_id)
            .join(Operator, Operator.id == ActivationLink.operator_id)
            .where(ActivationLink.token_hash == crypto.keyed_hash(LINK_HASH, token))
        ).first()
    if row is None:
        return LinkCheck(ok=False, reason="unknown")
    link, location, operator = row
    base = {"location_id": location.id, "location_name": location.name, "operator_name": operator.name,
            "expires_at": link.expires_at}
    if link.revoked_at is not None:
        return LinkCheck(ok=False, reason="revoked", **base)
    if link.expires_at <= utcnow():
        return LinkCheck(ok=False, reason="expired", **base)
    if not location.active:
        return LinkCheck(ok=False, reason="location_inactive", **base)
    return LinkCheck(ok=True, reason="ok", **base)


LINK_REFUSALS = {
    "unknown": "This activation link is not valid. Check that the whole link was copied, or ask your network for a new one.",
    "expired": "This activation link has expired. Ask your network (or the dashboard's \"Send new link\") for a fresh one.",
    "revoked": "A newer activation link was sent to this location, so this one no longer works. Use the newest email.",
    "location_inactive": "This location is not active. Ask your network to reactivate it.",
}


def _new_device_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(6))
    return f"DV-{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class ActivatedDevice:
    device: Device
    secret: str  # kept by the device's browser, never stored by us


def activate_device(token: str, device_name: str) -> ActivatedDevice:
    """Activate a device through a valid link; refuses expired, revoked or unknown links."""
    name = required_text(device_name, field="device_name", max_length=80, label="The device name")
    check = check_activation_link(token)
    if not check.ok:
        raise GiftnetError(ErrorCode.forbidden, LINK_REFUSALS[check.reason], field="token")
    secret = "gkdev_" + secrets.token_urlsafe(32)
    with write_session() as session:
        link = session.exec(
            select(ActivationLink).where(ActivationLink.token_hash == crypto.keyed_hash(LINK_HASH, token))
        ).one()
        code = _new_device_code()
        while session.exec(select(Device.id).where(Device.code == code)).first() is not None:
            code = _new_device_code()
        device = Device(
            operator_id=link.operator_id,
            location_id=link.location_id,
            activation_link_id=link.id,
            code=code,
            name=name,
            secret_hash=crypto.keyed_hash(DEVICE_SECRET_HASH, secret),
        )
        session.add(device)
        session.flush()
        audit.record(session, Actor(device.operator_id, device_id=device.id, location_id=device.location_id,
                                    channel="device"),
                     "device.activated", target_type="device", target_id=device.id,
                     summary=f"Device “{name}” ({code}) activated at “{check.location_name}”",
                     changes={"name": [None, name], "code": [None, code]})
    events.publish(
        events.Event(device.operator_id, "device.activated",
                     {"device_id": device.id, "code": device.code, "location_id": device.location_id})
    )
    return ActivatedDevice(device=device, secret=secret)


@dataclass(frozen=True)
class DeviceContext:
    """An activated, unrevoked device and where it stands."""

    device_id: int
    code: str
    name: str
    operator_id: int
    location_id: int
    location_name: str
    location_mode: str  # derived from the three below (Location.mode)
    operator_name: str
    currency: str
    # What the location's counter accepts (app/services/network/counter_modes.py).
    accepts_pos_payments: bool = False
    accepts_typed_amounts: bool = True
    accepts_items: bool = False


def resolve_device(secret: str | None) -> DeviceContext | None:
    """The device behind a secret; None when unknown or revoked (checked on every request)."""
    if not secret or len(secret) > 200:
        return None
    now = utcnow()
    with read_session() as session:
        row = session.exec(
            select(Device, Location, Operator)
            .join(Location, Location.id == Device.location_id)
            .join(Operator, Operator.id == Device.operator_id)
            .where(Device.secret_hash == crypto.keyed_hash(DEVICE_SECRET_HASH, secret), Device.revoked_at.is_(None))
        ).first()
    if row is None:
        return None
    device, location, operator = row
    if device.last_seen_at is None or now - device.last_seen_at > LAST_SEEN_RESOLUTION:
        with write_session() as session:
            session.execute(update(Device).where(Device.id == device.id).values(last_seen_at=now))
    return DeviceContext(
        device_id=device.id,
        code=device.code,
        name=device.name,
        operator_id=operator.id,
        location_id=location.id,
        location_name=location.name,
        location_mode=location.mode,
        operator_name=operator.name,
        currency=operator.currency,
        accepts_pos_payments=location.accepts_pos_payments,
        accepts_typed_amounts=location.accepts_typed_amounts,
        accepts_items=location.accepts_items,
    )


def device_is_revoked(secret: str | None) -> bool:
    """True when the secret belonged to a device that has since been revoked (to say so on screen)."""
    if not secret:
        return False
    with read_session() as session:
        device = session.exec(
            select(Device).where(Device.secret_hash == crypto.keyed_hash(DEVICE_SECRET_HASH, secret))
        ).first()
    return device is not None and device.revoked_at is not None


def list_devices(operator_id: int, location_id: int, *, limit: int | None = None,
                 before_id: int | None = None) -> list[Device]:
    """The location's devices, newest first; `limit` and `before_id` page through them."""
    with read_session() as session:
        location = session.exec(
            select(Location.id).where(Location.id == location_id, Location.operator_id == operator_id)
        ).first()
        if location is None:
            raise GiftnetError(ErrorCode.not_found, N_("No such location."))
        statement = select(Device).where(Device.location_id == location_id, Device.operator_id == operator_id)
        if before_id is not None:
            statement = statement.where(Device.id < before_id)
        statement = statement.order_by(Device.id.desc())
        if limit is not None:
            statement = statement.limit(limit)
        return list(session.exec(statement).all())


def revoke_device(actor: Actor, device_id: int) -> Device:
    """Revoke at once: the device is refused from its next request."""
    with write_session() as session:
        device = owned_row(session, Device, device_id, actor.operator_id, missing=N_("No such device."))
        revoke_now(session, actor, device, target_type="device", summary=f"Device “{device.name}” ({device.code}) revoked")
    return device
