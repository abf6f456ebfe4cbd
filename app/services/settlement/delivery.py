"""Sending a payout batch's bank file to the bank's SFTP server, and telling the operator how
it went. The server's settings are `delivery_settings.py`; the protocol is
`app/integrations/sftp.py`.

Rules this module keeps:
- `queue_delivery` owes a batch's bank file to the bank when the operator's delivery method
  is `sftp`: one `payout_delivery` row per batch (unique), `pending`, written in the
  transaction that wrote the file (`bank_files.export_bank_file`) or by the caller that
  wrote it. A batch without a row has the delivery `none`; its file is downloaded by hand
  (as it always can be, whatever the delivery says);
- the background job (`deliver_forever`, or one pass `deliver_due`) claims a due row with
  one conditional UPDATE (`FOR UPDATE SKIP LOCKED` on PostgreSQL, see
  messaging/claims.py): attempts + 1, `claimed_at`, and `next_attempt_at` moved to when
  the claim expires, so any number of job processes send each attempt once, and a
  claim whose process died is taken again after `CLAIM_TIMEOUT`. Only the holder of
  the claim (same attempts and claimed_at) records the outcome;
- the file keeps one remote name across attempts (`<slug>-payout-<batch>-<file's
  creation time>.ach`, `.txt` for CPA-005) and is read back before it is renamed into
  place; a retry that finds the same bytes already there counts as delivered, so a
  lost answer never puts two copies in front of the bank;
- a failure the server may get over (down, timed out, connection lost) is tried again
  after `RETRY_DELAYS`; one that retrying cannot fix (another host key, a refused login,
  a missing directory, incomplete settings, a batch cancelled or paid meanwhile) and the
  last attempt make it `failed` with the server's message. Becoming `failed` emails
  the owners once and owes the `payout.delivery_failed` webhook, in the same
  transaction; `delivered` owes `payout.delivered`;
- `retry_delivery` (the Settlements screen's "Retry delivery", owners only) queues a
  failed delivery again with a fresh count of attempts, or a batch never queued whose
  file exists. A delivered file is not sent twice.
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations import sftp
from app.models import BankFile, Operator, PayoutBatch, PayoutDelivery, User
from app.models.base import utcnow
from app.models.payout import PayoutStatus
from app.models.payout_delivery import PayoutDeliveryStatus
from app.services.core import audit, events, i18n
from app.services.core.actor import Actor
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.core.i18n import N_
from app.services.core.operators import operator_or_404
from app.services.core.roles import require_owner
from app.services.messaging import outbox, webhooks
from app.services.messaging.claims import claim_next
from app.services.messaging.email_html import ComposedEmail, email_page
from app.services.settlement import delivery_settings
from app.services.settlement.batches import LIVE_STATUSES, batch_or_404

log = logging.getLogger(__name__)

# Waits before attempts 2, 3, ...: about an hour and ten minutes in all, then the delivery is failed.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=5), timedelta(minutes=10),
                timedelta(minutes=20), timedelta(minutes=30))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM_TIMEOUT = timedelta(minutes=10)  # far above one upload's timeouts (app/integrations/sftp.py)
POLL_SECONDS = 5.0
BATCH_SIZE = 10
SYSTEM = "system"
EXTENSIONS = {"nacha": "ach", "cpa005": "txt"}


@dataclass(frozen=True)
class DeliveryView:
    """A batch's delivery as answers show it (`GET /payouts/{id}`, the Settlements screen)."""

    status: str  # none | pending | delivered | failed
    attempts: int = 0
    remote_path: str | None = None
    delivered_at: datetime | None = None
    last_error: str | None = None
    next_attempt_at: datetime | None = None

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "attempts": self.attempts,
            "remote_path": self.remote_path,
            "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None,
            "last_error": self.last_error,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }


NOT_QUEUED = DeliveryView(status="none")


def _view(row: PayoutDelivery | None) -> DeliveryView:
    if row is None:
        return NOT_QUEUED
    return DeliveryView(status=row.status, attempts=row.attempts, remote_path=row.remote_path,
                        delivered_at=row.delivered_at, last_error=row.last_error,
                        next_attempt_at=row.next_attempt_at if row.status == PayoutDeliveryStatus.pending else None)


def _row(session: Session, operator_id: int, batch_id: int) -> PayoutDelivery | None:
    return session.exec(
        select(PayoutDelivery)
        .where(PayoutDelivery.batch_id == batch_id, PayoutDelivery.operator_id == operator_id)
        .execution_options(populate_existing=True)
    ).first()


def delivery_of(operator_id: int, batch_id: int) -> DeliveryView:
    """The delivery of one of the operator's batches (`none` when it was never queued,
    and for another operator's batch: callers read the batch itself first)."""
    with read_session() as session:
        return _view(_row(session, operator_id, batch_id))


def remote_filename(operator: Operator, batch: PayoutBatch, bank_file: BankFile) -> str:
    """The file's name on the bank's server: the same for every attempt at this file."""
    stamp = bank_file.created_at.strftime("%Y%m%d%H%M%S")
    return f"{operator.slug}-payout-{batch.id}-{stamp}.{EXTENSIONS.get(bank_file.format, 'txt')}"


def _latest_file(session: Session, operator_id: int, batch_id: int) -> BankFile | None:
    return session.exec(
        select(BankFile).where(BankFile.batch_id == batch_id, BankFile.operator_id == operator_id)
        .order_by(BankFile.id.desc())
    ).first()


def queue_delivery(operator_id: int, batch_id: int, *, session: Session | None = None) -> bool:
    """Owe the batch's bank file to the bank when the operator delivers by SFTP.

    Call it where a batch's bank file is written, in the same transaction (`session`), or
    after (it opens its own). Returns whether it queued the delivery now: False when the
    method is `download`, the batch has no bank file yet, or its delivery already exists."""
    if session is None:
        with write_session() as own:
            return queue_delivery(operator_id, batch_id, session=own)
    operator = session.get(Operator, operator_id)
    if operator is None or delivery_settings.method_of(operator) != "sftp":
        return False
    if _row(session, operator_id, batch_id) is not None:
        return False
    bank_file = _latest_file(session, operator_id, batch_id)
    if bank_file is None:
        return False
    now = utcnow()
    try:
        with session.begin_nested():  # a concurrent caller queued it first: its row stands
            session.add(PayoutDelivery(operator_id=operator_id, batch_id=batch_id, bank_file_id=bank_file.id,
                                       status=PayoutDeliveryStatus.pending, next_attempt_at=now, created_at=now,
                                       updated_at=now))
    except IntegrityError:
        return False
    return True


def retry_delivery(actor: Actor, batch_id: int) -> DeliveryView:
    """Send the batch's file again at the next pass: a failed delivery (attempts counted
    afresh), or a batch whose file was written while the method was `download`.

    Refuses `conflict` for a delivery pending or already delivered, a cancelled or paid
    batch, a batch without a bank file, and when SFTP delivery is not chosen in Settings.
    Owners only."""
    require_owner(actor, "send bank files to the bank")
    now = utcnow()
    with write_session() as session:
        batch = batch_or_404(session, actor.operator_id, batch_id)
        if batch.status not in LIVE_STATUSES:
            raise GiftnetError(ErrorCode.conflict, "This payout batch was cancelled; its bank file must not be sent."
                               if batch.status == PayoutStatus.cancelled else
                               "This payout batch is paid; its bank file is not sent again.")
        operator = operator_or_404(session, actor.operator_id)
        if delivery_settings.method_of(operator) != "sftp":
            raise GiftnetError(ErrorCode.conflict, N_("Choose SFTP delivery in Settings (Payouts, delivery) first; "
                                                   "until then, download the file and send it by hand."))
        row = _row(session, actor.operator_id, batch_id)
        if row is not None and row.status == PayoutDeliveryStatus.delivered:
            raise GiftnetError(ErrorCode.conflict, N_("This batch's file was already delivered, to {remote_path}; it is not sent twice."), params={"remote_path": row.remote_path})
        if row is not None and row.status == PayoutDeliveryStatus.pending:
            raise GiftnetError(ErrorCode.conflict, N_("This batch's file is already waiting to be sent (attempt {value} is next)."), params={"value": row.attempts + 1})
        bank_file = _latest_file(session, actor.operator_id, batch_id)
        if bank_file is None:
            raise GiftnetError(ErrorCode.conflict, N_("This batch has no bank file yet; download it once (NACHA or "
                                                   "CPA-005) to write it, and it is sent then."))
        before = row.status if row is not None else "none"
        if row is None:
            row = PayoutDelivery(operator_id=actor.operator_id, batch_id=batch_id, created_at=now)
        row.bank_file_id = bank_file.id
        row.status, row.attempts, row.claimed_at = PayoutDeliveryStatus.pending, 0, None
        row.next_attempt_at, row.updated_at = now, now
        session.add(row)
        session.flush()
        audit.record(session, actor, "payout.delivery_queued", target_type="payout", target_id=batch_id,
                     summary=f"Bank file of payout batch #{batch_id} queued for delivery to the bank again",
                     changes={"delivery": [before, PayoutDeliveryStatus.pending]})
        return _view(row)


# --- the background job ----------------------------------------------------------------


@dataclass(frozen=True)
class _Attempt:
    """One claimed attempt, with everything the upload needs (read in the claiming transaction)."""

    delivery_id: int
    operator_id: int
    batch_id: int
    attempts: int
    claimed_at: datetime
    filename: str
    content: bytes
    target: sftp.SftpTarget | None
    refusal: str | None  # why it must not be sent at all


@dataclass
class DeliveryCounts:
    """What one `deliver_due` pass did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def _prepare(session: Session, row: PayoutDelivery) -> _Attempt:
    batch = session.get(PayoutBatch, row.batch_id)
    operator = session.get(Operator, row.operator_id)
    bank_file = session.get(BankFile, row.bank_file_id)
    target, refusal = None, None
    if batch.status not in LIVE_STATUSES:
        refusal = f"The batch was {'marked paid' if batch.status == PayoutStatus.paid else batch.status} before " \
                  "its file was sent; it was not sent."
    elif delivery_settings.method_of(operator) != "sftp":
        refusal = "SFTP delivery was turned off in Settings before the file was sent; it was not sent."
    else:
        try:
            target = delivery_settings.sftp_target(operator)
        except GiftnetError as error:
            refusal = error.message
    return _Attempt(delivery_id=row.id, operator_id=row.operator_id, batch_id=row.batch_id, attempts=row.attempts,
                    claimed_at=row.claimed_at, filename=remote_filename(operator, batch, bank_file),
                    content=bank_file.content.encode("ascii"), target=target, refusal=refusal)


def _claim_next(now: datetime) -> _Attempt | None:
    due = (PayoutDelivery.status == PayoutDeliveryStatus.pending) & (PayoutDelivery.next_attempt_at <= now)
    prepared: list[_Attempt] = []
    claimed = claim_next(PayoutDelivery, due,
                         sending={"claimed_at": now, "next_attempt_at": now + CLAIM_TIMEOUT, "updated_at": now},
                         loaded=lambda session, row: prepared.append(_prepare(session, row)))
    return prepared[0] if claimed is not None and prepared else None


def _send(attempt: _Attempt) -> tuple[sftp.Uploaded | None, str | None, bool]:
    """(what arrived, or the error and whether trying again may help)."""
    if attempt.refusal is not None:
        return None, attempt.refusal, False
    try:
        return sftp.upload(attempt.target, attempt.filename, attempt.content), None, False
    except sftp.SftpError as error:
        return None, error.message, error.retryable
    except Exception as error:  # an unforeseen failure is recorded and retried, never lost
        log.exception("SFTP delivery of payout batch %s failed unexpectedly", attempt.batch_id)
        return None, f"Unexpected error: {type(error).__name__}: {error}"[:900], True


def _deliver_one(attempt: _Attempt, now: datetime) -> str:
    uploaded, error, retryable = _send(attempt)
    if uploaded is not None:
        outcome = "delivered"
        values = {"status": PayoutDeliveryStatus.delivered, "remote_path": uploaded.remote_path,
                  "delivered_at": now, "last_error": None}
    elif retryable and attempt.attempts < MAX_ATTEMPTS:
        outcome = "retrying"
        values = {"status": PayoutDeliveryStatus.pending, "last_error": error,
                  "next_attempt_at": now + RETRY_DELAYS[attempt.attempts - 1]}
    else:
        outcome = "failed"
        values = {"status": PayoutDeliveryStatus.failed, "last_error": error}
    with write_session() as session:
        recorded = session.execute(
            update(PayoutDelivery)
            .where(PayoutDelivery.id == attempt.delivery_id, PayoutDelivery.status == PayoutDeliveryStatus.pending,
                   PayoutDelivery.attempts == attempt.attempts, PayoutDelivery.claimed_at == attempt.claimed_at)
            .values(claimed_at=None, updated_at=now, **values)
        ).rowcount
        if recorded != 1:  # the claim expired and another process holds it now: its outcome counts
            return "retrying"
        if outcome == "retrying":
            return outcome
        row = session.get(PayoutDelivery, attempt.delivery_id, populate_existing=True)
        event_type = "payout.delivered" if outcome == "delivered" else "payout.delivery_failed"
        data = _event_data(attempt, row)
        _tell(session, attempt, row, event_type, data)
    events.publish(events.Event(attempt.operator_id, event_type, data))
    return outcome


def _event_data(attempt: _Attempt, row: PayoutDelivery) -> dict:
    return {"payout_id": attempt.batch_id, "filename": attempt.filename, "delivery": _view(row).as_dict()}


def _tell(session: Session, attempt: _Attempt, row: PayoutDelivery, event_type: str, data: dict) -> None:
    """The webhook, the audit row and (for a failure) the owners' email, in the outcome's transaction."""
    system = Actor(attempt.operator_id, channel=SYSTEM)
    webhooks.queue_event_for_endpoints(session, attempt.operator_id, event_type, data)
    if event_type == "payout.delivered":
        audit.record(session, system, "payout.delivered", target_type="payout", target_id=attempt.batch_id,
                     summary=f"Bank file of payout batch #{attempt.batch_id} delivered to {row.remote_path}",
                     changes={"delivery": [PayoutDeliveryStatus.pending, PayoutDeliveryStatus.delivered]})
        return
    audit.record(session, system, "payout.delivery_failed", target_type="payout", target_id=attempt.batch_id,
                 summary=f"Bank file of payout batch #{attempt.batch_id} not delivered: {row.last_error}",
                 changes={"delivery": [PayoutDeliveryStatus.pending, PayoutDeliveryStatus.failed]})
    operator = session.get(Operator, attempt.operator_id)
    batch = session.get(PayoutBatch, attempt.batch_id)
    email = compose_failure_email(operator, batch, attempt.filename, row)
    for address in session.exec(select(User.email).where(User.operator_id == operator.id, User.role == "owner")
                                .order_by(User.id)).all():
        outbox.queue_composed(session, email, kind="payout_delivery_failed", to_address=address,
                              operator_id=operator.id)


def compose_failure_email(operator: Operator, batch: PayoutBatch, filename: str,
                          row: PayoutDelivery) -> ComposedEmail:
    """The owners' email when a batch's file could not be delivered, in the network's language."""
    lang = i18n.normalize(operator.default_language)
    _ = i18n.translator(lang)
    subject = _("Payout batch #{batch} was not delivered to the bank", batch=batch.id)
    amount = i18n.format_money(batch.total_net_cents, operator.currency, lang)
    paid_on = batch.effective_date.isoformat() if batch.effective_date else _("the effective date")
    tries = (_("after {count} attempts", count=row.attempts) if row.attempts != 1 else _("after 1 attempt"))
    lines = [
        _("The bank file {filename} of payout batch #{batch} ({amount} to be paid on {day}) could not be "
          "delivered to your bank's SFTP server {tries}.", filename=filename, batch=batch.id, amount=amount,
          day=paid_on, tries=tries),
        _("The server said: {error}", error=row.last_error),
        _("Nothing more will be tried. The locations are not paid until the bank has the file: download it from "
          "Settlements and send it by hand, or fix the problem (Settings, Payouts, delivery) and choose Retry "
          "delivery on the batch."),
    ]
    esc = html.escape
    content = (f"<h2 style='margin:16px 0 12px;font-size:20px;'>{esc(subject)}</h2>"
               + "".join(f"<p style='margin:0 0 12px;font-size:15px;line-height:1.5;'>{esc(line)}</p>"
                         for line in lines))
    return ComposedEmail(subject=f"{operator.name}: {subject}", text_body="\n\n".join(lines) + "\n",
                         html_body=email_page(subject, operator.name, content, lang))


def deliver_due(now: datetime | None = None, *, batch_size: int = BATCH_SIZE) -> DeliveryCounts:
    """One pass: try every delivery that is due (up to `batch_size`)."""
    now = now or utcnow()
    counts = DeliveryCounts()
    for _ in range(batch_size):
        attempt = _claim_next(now)
        if attempt is None:
            break
        outcome = _deliver_one(attempt, now)
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    return counts


async def deliver_forever(poll_seconds: float = POLL_SECONDS) -> None:
    """The background job: send what is due, then wait a little."""
    while True:
        try:
            counts = await asyncio.to_thread(deliver_due)
            if counts.delivered or counts.failed:
                log.info("payout deliveries: %s delivered, %s failed", counts.delivered, counts.failed)
        except Exception:  # a broken pass must not stop future deliveries
            log.exception("payout delivery pass failed")
        await asyncio.sleep(poll_seconds)


__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_DELAYS",
    "DeliveryView",
    "compose_failure_email",
    "deliver_due",
    "deliver_forever",
    "delivery_of",
    "queue_delivery",
    "remote_filename",
    "retry_delivery",
]
