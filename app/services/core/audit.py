"""The audit record: every operator action (sign-in, a setting changed, a key revoked, a card
frozen, a payout paid, ...) written with who, when and what changed.

`record` writes in the caller's own transaction, so an audit row commits or rolls back with
the action it describes: a refused action leaves no row. Rows are never changed or deleted
(triggers refuse UPDATE and DELETE, migration 0008). Every domain records through here;
the audit screen reads the trail through `access.audit_trail`.

Secrets never reach the table: any field named like a password, secret, token, key or
account number is masked, showing its last 4 characters at most.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.models import ApiKey, AuditEvent, Device, Location, User
from app.models.base import utcnow
from app.services.core.actor import Actor

# A field whose name matches is a secret: masked before it is stored.
SECRET_FIELD = re.compile(r"password|passcode|secret|token|key|account_number|account_no|credential|pin\b",
                          re.IGNORECASE)
MASK = "••••"
CHANGED = " (changed)"
# What `mask_secret` itself produces: masking it again leaves it as it is.
_ALREADY_MASKED = re.compile(r"^••••[^\s•]{0,4}(?: \(changed\))?$")


def is_secret_field(name: str) -> bool:
    return bool(SECRET_FIELD.search(name or ""))


def name_hides_all(field: str) -> bool:
    """A password shows not even its last 4."""
    return "password" in (field or "").lower()


def mask_secret(value: Any, field: str = "") -> Any:
    """A secret as it may be shown: its last 4 characters at most (none when it is short)."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    text = str(value)
    if _ALREADY_MASKED.match(text):
        return text
    return MASK + text[-4:] if len(text) >= 8 and not name_hides_all(field) else MASK


def _plain(value: Any) -> Any:
    """A value as JSON can hold it."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    return str(value)


def _masked(name: str, value: Any) -> Any:
    """`value` with every secret inside it masked (nested dicts included)."""
    if is_secret_field(name):
        return mask_secret(value, name)
    if isinstance(value, Mapping):
        return {str(key): _masked(str(key), item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(name, item) for item in value]
    return _plain(value)


def _masked_pair(name: str, before: Any, after: Any) -> list[Any]:
    masked_before, masked_after = _masked(name, before), _masked(name, after)
    if is_secret_field(name) and masked_before == masked_after and before != after:
        # Two secrets ending alike: say it changed without showing more of either.
        masked_after = f"{masked_after}{CHANGED}" if masked_after else CHANGED.strip()
    return [masked_before, masked_after]


def flatten(values: Mapping[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    """Nested settings as one level: `{"nacha": {"company_name": "X"}}` -> `{"nacha.company_name": "X"}`."""
    flat: dict[str, Any] = {}
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):  # an empty section adds no field: its fields read as None
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def diff_stored(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """`diff` for stored settings JSON that keeps each secret as `<name>_encrypted` + `<name>_last4`.

    A secret shows as `••••1234` before and after (its last 4, from `_last4`); a secret
    entered again with the same last 4 still shows as changed, since its ciphertext moved.
    """
    flat_before, flat_after = flatten(before), flatten(after)
    secrets = sorted({key.removesuffix("_encrypted") for key in (*flat_before, *flat_after)
                      if key.endswith("_encrypted")})
    hidden = {f"{name}_encrypted" for name in secrets} | {f"{name}_last4" for name in secrets}
    changes = diff({key: value for key, value in flat_before.items() if key not in hidden},
                   {key: value for key, value in flat_after.items() if key not in hidden})
    for name in secrets:
        if flat_before.get(f"{name}_encrypted") == flat_after.get(f"{name}_encrypted"):
            continue
        old, new = flat_before.get(f"{name}_last4"), flat_after.get(f"{name}_last4")
        shown_old = MASK + str(old)[-4:] if flat_before.get(f"{name}_encrypted") else None
        shown_new = MASK + str(new)[-4:] if flat_after.get(f"{name}_encrypted") else None
        if shown_old is not None and shown_old == shown_new:
            shown_new += CHANGED
        changes[name if is_secret_field(name) else f"{name}_secret"] = [shown_old, shown_new]
    return changes


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, *, fields: list[str] | None = None
         ) -> dict[str, list[Any]]:
    """`{"field": [before, after]}` for each field whose value differs (secrets masked).

    `fields` limits and orders the comparison; by default every field of either dict, in order.
    A field missing on one side counts as None there.
    """
    before, after = dict(before or {}), dict(after or {})
    names = fields if fields is not None else list(dict.fromkeys([*before, *after]))
    return {
        name: _masked_pair(name, before.get(name), after.get(name))
        for name in names
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def _checked_changes(changes: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """Caller's `{"field": [before, after]}`, masked again here so no secret slips through."""
    checked: dict[str, list[Any]] = {}
    for name, pair in (changes or {}).items():
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(f"audit changes[{name!r}] must be [before, after], got {pair!r}")
        checked[str(name)] = _masked_pair(str(name), pair[0], pair[1])
    return checked


def actor_label(session: Session, actor: Actor) -> str:
    """Who acted, as the audit screen shows it: an email, an API key, a device, or the system."""
    if actor.user_id is not None:
        user = session.get(User, actor.user_id)
        return user.email if user is not None else f"user #{actor.user_id}"
    if actor.api_key_id is not None:
        api_key = session.get(ApiKey, actor.api_key_id)
        return f"API key {api_key.prefix}…" if api_key is not None else f"API key #{actor.api_key_id}"
    if actor.device_id is not None:
        device = session.get(Device, actor.device_id)
        return f"device {device.code}" if device is not None else f"device #{actor.device_id}"
    if actor.channel == "pos":
        location = session.get(Location, actor.location_id) if actor.location_id is not None else None
        return f"POS key ({location.name})" if location is not None else "POS key"
    if actor.channel == "shop":
        return "shop"
    return "system"


def _clip(text: Any, limit: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    target_type: str = "",
    target_id: Any = "",
    summary: str = "",
    changes: Mapping[str, Any] | None = None,
    ip: str = "",
) -> AuditEvent:
    """Add one audit row in `session`'s transaction (it commits or rolls back with the action).

    `changes` is `{"field": [before, after]}` (see `diff`); secrets in it are masked here.
    Refuses (ValueError, a programming error) an empty or over-long action.
    """
    if not action or len(action) > 64:
        raise ValueError(f"audit action must be 1 to 64 characters, got {action!r}")
    event = AuditEvent(
        operator_id=actor.operator_id,
        created_at=utcnow(),
        user_id=actor.user_id,
        actor=_clip(actor_label(session, actor), 254),
        action=action,
        target_type=_clip(target_type, 32),
        target_id=_clip(target_id, 64),
        summary=_clip(summary, 255),
        changes=json.dumps(_checked_changes(changes), ensure_ascii=False, sort_keys=False),
        ip=_clip(ip, 64),
    )
    session.add(event)
    session.flush()
    return event


def record_settings_change(session: Session, actor: Actor, action: str, changes: Mapping[str, Any],
                           *, summary: str) -> None:
    """One `action` row for a change of the actor's operator settings, its summary naming the
    changed fields ("Shop settings changed: terms, logo_url"); nothing when no field changed."""
    if changes:
        record(session, actor, action, target_type="operator", target_id=actor.operator_id,
               summary=f"{summary}: " + ", ".join(changes), changes=changes)
