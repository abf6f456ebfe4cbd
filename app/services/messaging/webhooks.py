"""Outbound webhooks, signed per Standard Webhooks, delivered with retries for about three days.

A delivery row is written in the same transaction as the event it reports (a
transactional outbox), so an event is never lost and never invented. Workers claim
rows with a conditional UPDATE (and SKIP LOCKED on PostgreSQL), so any number of
them send each delivery once per attempt; the `webhook-id` stays the same across
retries so the receiver can drop a repeat.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import func, update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations import outbound
from app.models import Location, Operator, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.models.webhook import DeliveryStatus
from app.services.core import audit, crypto
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.roles import require_owner
from app.services.core.rows import owned_row
from app.services.messaging.claims import claim_next

log = logging.getLogger(__name__)

# Delay before attempt 2, 3, ...: about three days in all, then the delivery is failed.
RETRY_SCHEDULE = [
    timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
    timedelta(hours=5), timedelta(hours=10), timedelta(hours=14), timedelta(hours=20), timedelta(hours=24),
]
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
MAX_ENDPOINTS = 20  # per operator: each event is delivered to every endpoint; a list stays one page
CLAIM_TIMEOUT = timedelta(minutes=2)
REQUEST_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
POLL_SECONDS = 1.0
UNREACHABLE = "Could not deliver: no answer from this URL, or it is not a public internet address"
BATCH_SIZE = 20


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """`v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`, the key being the base64 part of whsec_..."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def location_secret(session: Session, location: Location) -> str:
    """The location's signing secret, created the first time it is needed (once, even
    when two callers need it first at the same moment)."""
    stored = location.webhook_secret_encrypted
    secret = crypto.decrypt(stored) if stored else None
    if secret:
        return secret
    # Write only over what was read, then read back: of two first uses at once, the
    # second finds the first one's secret instead of replacing it after it was used.
    unchanged = Location.webhook_secret_encrypted.is_(None) if stored is None \
        else Location.webhook_secret_encrypted == stored
    session.execute(update(Location).where(Location.id == location.id, unchanged)
                    .values(webhook_secret_encrypted=crypto.encrypt(new_secret())))
    session.refresh(location)
    return crypto.decrypt(location.webhook_secret_encrypted)


def reveal_location_secret(actor: Actor, location_id: int) -> str:
    """For the dashboard: the secret a location's receiver verifies signatures with. Owners only."""
    require_owner(actor, "see webhook signing secrets")
    with write_session() as session:
        location = owned_row(session, Location, location_id, actor.operator_id, missing=N_("No such location."))
        return location_secret(session, location)


def queue_delivery(session: Session, *, operator_id: int, event_type: str, data: dict, url: str,
                   location_id: int | None = None, endpoint_id: int | None = None) -> WebhookDelivery:
    """Owe `url` one event, inside the caller's transaction."""
    now = utcnow()
    payload = json.dumps({"type": event_type, "timestamp": now.isoformat(), "data": data}, separators=(",", ":"))
    delivery = WebhookDelivery(
        operator_id=operator_id, location_id=location_id, endpoint_id=endpoint_id,
        message_id="msg_" + secrets.token_urlsafe(18), event_type=event_type, url=url, payload=payload,
        next_attempt_at=now, created_at=now,
    )
    session.add(delivery)
    return delivery


@dataclass(frozen=True)
class EndpointTarget:
    """What an event needs of an endpoint: where to send it, and which events it wants."""

    id: int
    url: str
    event_types: frozenset[str]


# (operator id, operator.webhook_endpoints_version) -> its active endpoints. A change of endpoints
# writes a new random version in the same transaction (`_endpoints_changed`), so an entry is never
# stale: a transaction that reads the new version misses the cache and reads the endpoints again.
_ENDPOINTS_CACHE: dict[tuple[int, int], tuple[EndpointTarget, ...]] = {}
_CACHE_LIMIT = 10_000


def note_endpoints_version(session: Session, operator_id: int, version: int) -> None:
    """The operator's `webhook_endpoints_version` as this transaction read it (with the location,
    the operator): the endpoints' look-up below then needs no query of its own."""
    session.info.setdefault(_VERSIONS, {})[operator_id] = version


_VERSIONS = "giftnet_webhook_endpoints_versions"


def _active_endpoints(session: Session, operator_id: int) -> tuple[EndpointTarget, ...]:
    version = session.info.get(_VERSIONS, {}).get(operator_id)
    if version is None:  # the operator row is often in the session already (the money services read it)
        operator = session.get(Operator, operator_id)
        version = operator.webhook_endpoints_version if operator is not None else None
    key = (operator_id, version) if version is not None else None
    cached = _ENDPOINTS_CACHE.get(key) if key is not None else None
    if cached is not None:
        return cached
    rows = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.url, WebhookEndpoint.event_types)
        .where(WebhookEndpoint.operator_id == operator_id, WebhookEndpoint.active.is_(True))
        .order_by(WebhookEndpoint.id)
    ).all()
    endpoints = tuple(EndpointTarget(row[0], row[1], frozenset(name.strip() for name in row[2].split(",")))
                      for row in rows)
    if key is not None:
        if len(_ENDPOINTS_CACHE) >= _CACHE_LIMIT:
            _ENDPOINTS_CACHE.clear()
        _ENDPOINTS_CACHE[key] = endpoints
    return endpoints


def _endpoints_changed(session: Session, operator_id: int) -> None:
    """Every process's cached endpoints of this operator are out of date from this commit on."""
    session.execute(update(Operator).where(Operator.id == operator_id)
                    .values(webhook_endpoints_version=secrets.randbelow(2**62) + 1))


def subscribed_endpoints(session: Session, operator_id: int, event_type: str) -> list[EndpointTarget]:
    """The operator's active endpoints subscribed to `event_type` (read once for a bulk action),
    from this process's cache when the operator's endpoints did not change since."""
    return [endpoint for endpoint in _active_endpoints(session, operator_id)
            if "*" in endpoint.event_types or event_type in endpoint.event_types]


def queue_event_for_endpoints(session: Session, operator_id: int, event_type: str, data: dict,
                              endpoints: list[EndpointTarget] | None = None) -> int:
    """Owe the event to every active endpoint of the operator subscribed to it (`endpoints`:
    those already read by `subscribed_endpoints`, for many events of one type)."""
    if endpoints is None:
        endpoints = subscribed_endpoints(session, operator_id, event_type)
    for endpoint in endpoints:
        queue_delivery(session, operator_id=operator_id, event_type=event_type, data=data, url=endpoint.url,
                       endpoint_id=endpoint.id)
    return len(endpoints)


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str


def create_endpoint(actor: Actor, url: str, event_types: list[str] | None = None) -> CreatedEndpoint:
    """Subscribe a URL to events; its signing secret is shown once. Owners only."""
    from app.services.core.validation import optional_outbound_url

    require_owner(actor, "add webhook endpoints")
    clean_url = optional_outbound_url(url, field="url")
    if not clean_url:
        raise GiftnetError(ErrorCode.invalid_input, N_("url is required."), field="url")
    secret = new_secret()
    with write_session() as session:
        existing = session.exec(select(func.count()).select_from(WebhookEndpoint)
                                .where(WebhookEndpoint.operator_id == actor.operator_id,
                                       WebhookEndpoint.active.is_(True))).one()
        if existing >= MAX_ENDPOINTS:
            raise GiftnetError(ErrorCode.conflict, N_("An operator can have at most {max_endpoints} webhook endpoints; delete one you no longer use first."), field="url", params={"max_endpoints": MAX_ENDPOINTS})
        endpoint = WebhookEndpoint(
            operator_id=actor.operator_id, url=clean_url, event_types=",".join(event_types or ["*"])[:1000],
            secret_encrypted=crypto.encrypt(secret),
        )
        session.add(endpoint)
        session.flush()
        _endpoints_changed(session, actor.operator_id)
        audit.record(session, actor, "webhook.created", target_type="webhook_endpoint", target_id=endpoint.id,
                     summary=f"Webhook endpoint {clean_url} created",
                     changes={"url": [None, clean_url], "event_types": [None, endpoint.event_types]})
    return CreatedEndpoint(endpoint=endpoint, secret=secret)


def list_endpoints(operator_id: int) -> list[WebhookEndpoint]:
    """The operator's endpoints (at most MAX_ENDPOINTS), newest first; removed ones are gone
    from the list. Their secrets stay encrypted."""
    with read_session() as session:
        return list(session.exec(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.operator_id == operator_id, WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.id.desc())
        ).all())


def remove_endpoint(actor: Actor, endpoint_id: int) -> WebhookEndpoint:
    """Stop sending to an endpoint: nothing new is owed to it and what is still pending is
    given up. Removing it again answers the same. Owners only."""
    require_owner(actor, "remove webhook endpoints")
    with write_session() as session:
        endpoint = session.exec(select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id,
                                                              WebhookEndpoint.operator_id == actor.operator_id)).first()
        if endpoint is None:
            raise GiftnetError(ErrorCode.not_found, N_("No such webhook endpoint."))
        if endpoint.active:
            endpoint.active = False
            session.add(endpoint)
            _endpoints_changed(session, actor.operator_id)
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == DeliveryStatus.pending)
                .values(status=DeliveryStatus.failed, last_error="The endpoint was removed.")
            )
            audit.record(session, actor, "webhook.removed", target_type="webhook_endpoint", target_id=endpoint.id,
                         summary=f"Webhook endpoint {endpoint.url} removed", changes={"active": [True, False]})
        return endpoint


def _secret_for(session: Session, delivery: WebhookDelivery) -> str | None:
    if delivery.endpoint_id:
        endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
        return crypto.decrypt(endpoint.secret_encrypted) if endpoint else None
    if delivery.location_id:
        location = session.get(Location, delivery.location_id)
        return location_secret(session, location) if location else None
    return None


# --- delivery -------------------------------------------------------------------


@dataclass
class DeliveryCounts:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _claim_next(now: datetime) -> WebhookDelivery | None:
    due = (WebhookDelivery.status == DeliveryStatus.pending) & (WebhookDelivery.next_attempt_at <= now)
    stale = (WebhookDelivery.status == DeliveryStatus.sending) & (WebhookDelivery.claimed_at < now - CLAIM_TIMEOUT)

    def carry_secret(session: Session, delivery: WebhookDelivery) -> None:
        delivery._secret = _secret_for(session, delivery)  # noqa: SLF001 - carried to the sender only

    return claim_next(WebhookDelivery, due | stale, sending={"status": DeliveryStatus.sending, "claimed_at": now},
                      loaded=carry_secret)


def _attempt(delivery: WebhookDelivery, client: httpx.Client, now: datetime) -> tuple[int | None, str | None, int]:
    secret = getattr(delivery, "_secret", None)
    if not secret:
        return None, "No signing secret for this delivery", 0
    timestamp = int(now.timestamp())
    headers = {
        "content-type": "application/json",
        "user-agent": "Giftnet-Webhooks/1",
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, delivery.message_id, timestamp, delivery.payload),
    }
    started = time.perf_counter()
    try:
        response = client.post(delivery.url, content=delivery.payload.encode(), headers=headers)
    except httpx.HTTPError as error:
        # The operator reads this: one sentence whatever went wrong (no answer, a port closed or
        # silent, an internal address refused), so it cannot map ports behind our network.
        log.info("webhook delivery %s to %s failed: %s: %s", delivery.id, delivery.url, type(error).__name__, error)
        return None, UNREACHABLE, int((time.perf_counter() - started) * 1000)
    duration = int((time.perf_counter() - started) * 1000)
    if 200 <= response.status_code < 300:
        return response.status_code, None, duration
    return response.status_code, f"HTTP {response.status_code}", duration


def _deliver_one(delivery: WebhookDelivery, client: httpx.Client, now: datetime) -> str:
    status_code, error, duration = _attempt(delivery, client, now)
    if error is None:
        outcome = "delivered"
        values = {"status": DeliveryStatus.delivered, "delivered_at": utcnow(), "last_error": None}
    elif delivery.attempts >= MAX_ATTEMPTS:
        outcome, values = "failed", {"status": DeliveryStatus.failed, "last_error": error}
    else:
        outcome = "retrying"
        values = {"status": DeliveryStatus.pending, "last_error": error,
                  "next_attempt_at": now + RETRY_SCHEDULE[delivery.attempts - 1]}
    with write_session() as session:
        session.add(WebhookAttempt(delivery_id=delivery.id, attempted_at=now, status_code=status_code,
                                   error=error, duration_ms=duration))
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.status == DeliveryStatus.sending,
                   WebhookDelivery.attempts == delivery.attempts)
            .values(claimed_at=None, last_status_code=status_code, **values)
        )
    return outcome


def deliver_due(now: datetime | None = None, *, client: httpx.Client | None = None,
                batch_size: int = BATCH_SIZE) -> DeliveryCounts:
    """One pass: send every delivery that is due (up to `batch_size`)."""
    now = now or utcnow()
    counts = DeliveryCounts()
    own_client = None  # made at the first due delivery: a client (its TLS context) costs milliseconds of CPU,
    try:  # and every worker polls every POLL_SECONDS, almost always finding nothing due
        for _ in range(batch_size):
            delivery = _claim_next(now)
            if delivery is None:
                break
            if client is None:
                client = own_client = outbound.http_client(timeout=REQUEST_TIMEOUT)
            outcome = _deliver_one(delivery, client, now)
            setattr(counts, outcome, getattr(counts, outcome) + 1)
    finally:
        if own_client is not None:
            own_client.close()
    return counts


async def deliver_forever(poll_seconds: float = POLL_SECONDS) -> None:
    """The background worker the app runs: deliver what is due, then wait a little."""
    while True:
        try:
            await asyncio.to_thread(deliver_due)
        except Exception:  # a broken pass must not stop future deliveries
            log.exception("webhook delivery pass failed")
        await asyncio.sleep(poll_seconds)


def retry_now(actor: Actor, delivery_id: int) -> WebhookDelivery:
    """The dashboard's manual retry: a failed or waiting delivery is sent at the next pass."""
    with write_session() as session:
        delivery = session.exec(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                          WebhookDelivery.operator_id == actor.operator_id)
        ).first()
        if delivery is None:
            raise GiftnetError(ErrorCode.not_found, N_("No such webhook delivery."))
        if delivery.status == DeliveryStatus.delivered:
            raise GiftnetError(ErrorCode.conflict, N_("This delivery already succeeded."))
        if delivery.status == DeliveryStatus.sending:
            raise GiftnetError(ErrorCode.conflict, N_("This delivery is being sent right now."))
        audit.record(session, actor, "webhook.retried", target_type="webhook_delivery", target_id=delivery.id,
                     summary=f"Webhook delivery #{delivery.id} ({delivery.event_type}) sent again",
                     changes=audit.diff({"status": delivery.status}, {"status": DeliveryStatus.pending}))
        delivery.status = DeliveryStatus.pending
        delivery.next_attempt_at = utcnow()
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.attempts = MAX_ATTEMPTS - 1  # one more try
        session.add(delivery)
    return delivery


def list_deliveries(operator_id: int, *, location_id: int | None = None, limit: int = 50) -> list[WebhookDelivery]:
    statement = select(WebhookDelivery).where(WebhookDelivery.operator_id == operator_id)
    if location_id is not None:
        statement = statement.where(WebhookDelivery.location_id == location_id)
    with read_session() as session:
        return list(session.exec(statement.order_by(WebhookDelivery.id.desc()).limit(limit)).all())


def list_attempts(operator_id: int, delivery_id: int) -> list[WebhookAttempt]:
    with read_session() as session:
        owned = session.exec(select(WebhookDelivery.id).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.operator_id == operator_id)).first()
        if owned is None:
            raise GiftnetError(ErrorCode.not_found, N_("No such webhook delivery."))
        return list(session.exec(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                                 .order_by(WebhookAttempt.id)).all())
