"""The audit trail: every operator action (sign-in, a setting changed, a key revoked, a card
frozen, a payout paid, ...) with who, when and what changed.

`record` writes in the caller's own transaction, so an audit row commits or rolls back with
the action it describes: a refused action leaves no row. Rows are never changed or deleted
(triggers refuse UPDATE and DELETE, migration 0008).

Secrets never reach the table: any field named like a password, secret, token, key or
account number is masked, showing its last 4 characters at most.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from app.db import read_session
from app.models import ApiKey, AuditEvent, Device, Location, User
from app.models.base import utcnow
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.roles import require_owner

# A field whose name matches is a secret: masked before it is stored.
SECRET_FIELD = re.compile(r"password|passcode|secret|token|key|account_number|account_no|credential|pin\b",
                          re.IGNORECASE)
MASK = "••••"
CHANGED = " (changed)"
# What `mask_secret` itself produces: masking it again leaves it as it is.
_ALREADY_MASKED = re.compile(r"^••••[^\s•]{0,4}(?: \(changed\))?$")
MAX_PAGE = 200
MAX_DISTINCT_ACTIONS = 500  # a bound on the index steps; the product has about 40 actions
CHOICES_WINDOW = 5_000  # the newest events whose actors the Who menu offers (with every user and key)
CSV_MAX_ROWS = 100_000

# What each action reads as on the screen; an action missing here shows as its code.
ACTION_LABELS: dict[str, str] = {
    "user.signed_in": "Signed in",
    "user.sign_in_failed": "Sign-in failed",
    "user.signed_out": "Signed out",
    "team.invited": "Team member invited",
    "team.invitation_resent": "Invitation sent again",
    "team.invitation_revoked": "Invitation revoked",
    "team.joined": "Team member joined",
    "team.role_changed": "Team role changed",
    "team.removed": "Team member removed",
    "settings.changed": "Settings changed",
    "shop_settings.changed": "Shop settings changed",
    "gateway_settings.changed": "Gateway settings changed",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "pos_key.created": "POS key created",
    "pos_key.revoked": "POS key revoked",
    "webhook.created": "Webhook endpoint created",
    "webhook.removed": "Webhook endpoint removed",
    "webhook.retried": "Webhook delivery sent again",
    "item.created": "Item added",
    "item.activated": "Item back on sale",
    "item.deactivated": "Item withdrawn",
    "card.issued": "Card issued",
    "card.frozen": "Card frozen",
    "card.unfrozen": "Card unfrozen",
    "card.bulk_frozen": "Cards frozen (bulk)",
    "card.bulk_unfrozen": "Cards unfrozen (bulk)",
    "card.bulk_email_resent": "Card emails sent again (bulk)",
    "card.topped_up": "Card topped up",
    "card.link_rotated": "Card link replaced",
    "redemption.voided": "Redemption voided",
    "order.refunded": "Order refunded",
    "order.refund_undone": "Order refund refused by the gateway",
    "payout.created": "Payout batch created",
    "payout.exported": "Bank file exported",
    "payout.paid": "Payout marked paid",
    "payout.cancelled": "Payout cancelled",
    "location.created": "Location created",
    "location.updated": "Location updated",
    "location.imported": "Locations imported",
    "activation_link.sent": "Activation link sent",
    "device.activated": "Device activated",
    "device.revoked": "Device revoked",
}


# ---------------------------------------------------------------- writing


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


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None  # older events follow; None on the last page


def parse_cursor(cursor: str | int | None) -> int | None:
    """The id a page starts after; refuses anything but a positive whole number."""
    if cursor is None or cursor == "":
        return None
    text = str(cursor).strip()
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise GiftnetError(ErrorCode.invalid_input, "The page cursor is not valid.", field="cursor")
    return int(text)


def _as_utc(moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        raise GiftnetError(ErrorCode.invalid_input, f"`{field}` must be a date and time.", field=field)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def recorded_actions(session: Session, operator_id: int) -> list[str]:
    """Every action in the operator's trail, sorted: one step of the (operator_id, action, id)
    index per action (a DISTINCT would read the whole trail)."""
    found: list[str] = []
    while len(found) < MAX_DISTINCT_ACTIONS:
        following = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.operator_id == operator_id, AuditEvent.action > (found[-1] if found else ""))
            .order_by(AuditEvent.action).limit(1)
        ).first()
        if following is None:
            break
        found.append(following)
    return found


def _filtered(session: Session, statement, actor: Actor, *, action, user_id, who, since, until, target):  # noqa: ANN001, ANN202
    since, until = _as_utc(since, "since"), _as_utc(until, "until")
    if since is not None and until is not None and since > until:
        raise GiftnetError(ErrorCode.invalid_input, "The start date is after the end date.", field="since")
    statement = statement.where(AuditEvent.operator_id == actor.operator_id)
    if action:
        # "card." is a family: the card actions this operator has, as a list, so that PostgreSQL reads
        # them off the (operator_id, action, id) index instead of walking the whole trail for a rare family.
        # An action the operator never had is answered from the index steps alone (without
        # them PostgreSQL may walk the whole trail looking for an action common elsewhere).
        present = recorded_actions(session, actor.operator_id)
        statement = statement.where(AuditEvent.action.in_(
            [name for name in present if name.startswith(action)] if action.endswith(".")
            else [action] if action in present else []))
    if user_id is not None:
        statement = statement.where(AuditEvent.user_id == user_id)
    if who:
        statement = statement.where(AuditEvent.actor == who)
    if since is not None:
        statement = statement.where(AuditEvent.created_at >= since)
    if until is not None:
        statement = statement.where(AuditEvent.created_at < until)
    if target:
        target_type, _, target_id = str(target).partition(":")
        statement = statement.where(AuditEvent.target_type == target_type)
        if target_id:
            statement = statement.where(AuditEvent.target_id == target_id)
    return statement


def list_events(
    actor: Actor,
    *,
    action: str | None = None,
    user_id: int | None = None,
    who: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    target: str | None = None,
    cursor: str | int | None = None,
    limit: int = 50,
) -> AuditPage:
    """The operator's audit events, newest first, a page at a time (keyset on id).

    Filters: `action` ("card." for a family, "card.frozen" for one), `user_id` or `who` (the actor
    label), `since` (inclusive) / `until` (exclusive), `target` ("card" or "card:42").
    Owners only (`forbidden`), as every reading of the trail.
    """
    require_owner(actor, "read the audit trail")
    if not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise GiftnetError(ErrorCode.invalid_input, f"`limit` must be 1 to {MAX_PAGE}.", field="limit")
    after_id = parse_cursor(cursor)
    with read_session() as session:
        statement = _filtered(session, select(AuditEvent), actor, action=action, user_id=user_id, who=who,
                              since=since, until=until, target=target)
        if after_id is not None:
            statement = statement.where(AuditEvent.id < after_id)
        rows = list(session.exec(statement.order_by(AuditEvent.id.desc()).limit(limit + 1)))
    events = rows[:limit]
    next_cursor = str(events[-1].id) if len(rows) > limit else None
    return AuditPage(events=events, next_cursor=next_cursor)


def iter_events(actor: Actor, **filters: Any) -> Iterator[AuditEvent]:
    """Every event matching `filters` (as `list_events`), newest first, read a page at a time."""
    cursor = None
    while True:
        page = list_events(actor, cursor=cursor, limit=MAX_PAGE, **filters)
        yield from page.events
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


@dataclass(frozen=True)
class FilterChoices:
    actions: list[str]  # distinct actions recorded for this operator, sorted
    actors: list[str]  # distinct actor labels, sorted


def filter_choices(actor: Actor) -> FilterChoices:
    """What the filter menus offer (owners only): every action in the operator's trail, and who
    acted lately plus every team member and API key.

    A DISTINCT over a long trail reads all of it (0.5 s at 500,000 events), so actions are
    stepped through on the (operator_id, action, id) index, and people come from the newest
    CHOICES_WINDOW events and the user and key tables.
    """
    require_owner(actor, "read the audit trail")
    mine = AuditEvent.operator_id == actor.operator_id
    with read_session() as session:
        actions = recorded_actions(session, actor.operator_id)
        actors = set(session.exec(
            select(AuditEvent.actor).where(mine).order_by(AuditEvent.id.desc()).limit(CHOICES_WINDOW)
        ).all())
        actors.update(session.exec(select(User.email).where(User.operator_id == actor.operator_id)).all())
        actors.update(f"API key {prefix}…" for prefix in
                      session.exec(select(ApiKey.prefix).where(ApiKey.operator_id == actor.operator_id)).all())
    return FilterChoices(actions=sorted(actions), actors=sorted(actors, key=str.lower))


def has_events(actor: Actor) -> bool:
    """Whether the operator's trail holds anything at all (for the screen's empty state). Owners only."""
    require_owner(actor, "read the audit trail")
    with read_session() as session:
        return session.exec(select(AuditEvent.id).where(AuditEvent.operator_id == actor.operator_id).limit(1)
                            ).first() is not None


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def changes_of(event: AuditEvent) -> dict[str, list[Any]]:
    try:
        parsed = json.loads(event.changes or "{}")
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def events_csv(actor: Actor, timezone: str, **filters: Any) -> str:
    """The filtered trail as CSV (newest first), times in `timezone`; at most CSV_MAX_ROWS rows."""
    from app.services.core.timefmt import format_local_time

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", f"when ({timezone})", "who", "action", "target_type", "target_id", "summary",
                     "changes", "ip"])
    for count, event in enumerate(iter_events(actor, **filters)):
        if count >= CSV_MAX_ROWS:
            break
        writer.writerow([event.id, format_local_time(event.created_at, timezone), _csv_safe(event.actor),
                         event.action, event.target_type, _csv_safe(event.target_id), _csv_safe(event.summary),
                         _csv_safe(event.changes), event.ip])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """Spreadsheets run a cell starting with = + - @ as a formula; a leading quote keeps it text."""
    return "'" + text if text and text[0] in "=+-@\t\r" else text
