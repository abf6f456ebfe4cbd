"""The audit trail screen's reading: the operator's audit events filtered and paged, the
filter menus, the empty state, the CSV export, and how each action reads on the screen.

Owners only, as every reading of the trail. The rows themselves are written by
`core.audit.record`, inside each domain's own transaction.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select

from app.db import read_session
from app.models import ApiKey, AuditEvent, User
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import require_owner
from app.services.core.spreadsheet import text_cell
from app.services.core.timefmt import format_local_time

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
    "payout.delivered": "Bank file delivered by SFTP",
    "payout.delivery_failed": "Bank file delivery failed",
    "payout.delivery_queued": "Bank file delivery retried",
    "payout.returned": "Payment returned by the bank",
    "location.created": "Location created",
    "location.updated": "Location updated",
    "location.imported": "Locations imported",
    "activation_link.sent": "Activation link sent",
    "device.activated": "Device activated",
    "device.revoked": "Device revoked",
}


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
        raise GiftnetError(ErrorCode.invalid_input, N_("The page cursor is not valid."), field="cursor")
    return int(text)


def _as_utc(moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        raise GiftnetError(ErrorCode.invalid_input, N_("`{field}` must be a date and time."), field=field, params={"field": field})
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


def _filtered(session: Session, statement, actor: Actor, *, action, user_id, who, since, until, target):  # noqa: ANN001
    since, until = _as_utc(since, "since"), _as_utc(until, "until")
    if since is not None and until is not None and since > until:
        raise GiftnetError(ErrorCode.invalid_input, N_("The start date is after the end date."), field="since")
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
        raise GiftnetError(ErrorCode.invalid_input, N_("`limit` must be 1 to {max_page}."), field="limit", params={"max_page": MAX_PAGE})
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
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", f"when ({timezone})", "who", "action", "target_type", "target_id", "summary",
                     "changes", "ip"])
    for count, event in enumerate(iter_events(actor, **filters)):
        if count >= CSV_MAX_ROWS:
            break
        writer.writerow([event.id, format_local_time(event.created_at, timezone), text_cell(event.actor),
                         event.action, event.target_type, text_cell(event.target_id), text_cell(event.summary),
                         text_cell(event.changes), event.ip])
    return out.getvalue()

