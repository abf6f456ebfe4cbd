"""The email outbox: every email is first a row here, then (with SMTP) a delivery.

Rules this module keeps:
- bodies and inline images are stored encrypted: they carry card codes and card
  links, and a leaked database must not reveal usable codes;
- a message is sent by at most one worker: a worker first claims it with one
  conditional UPDATE (`status` queued -> sending, `attempts` + 1), and only the
  worker whose UPDATE matched sends it; on PostgreSQL the candidate is selected
  `FOR UPDATE SKIP LOCKED`, so concurrent workers pick different rows instead of
  queueing behind one another;
- a failed attempt is retried with exponential backoff, up to `MAX_ATTEMPTS`; a
  refusal that retrying cannot fix (the recipient does not exist) fails at once;
- a claim older than `CLAIM_TIMEOUT` belongs to a worker that died mid-send: it is
  queued again. That message may then go out twice (the SMTP server might have
  accepted it just before the crash); its Message-ID stays the same, so mail
  servers and clients can recognise the repeat.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from app.db import read_session, write_session
from app.integrations.mail import Attachment, InlineImage, MailDeliveryError, Mailer, OutgoingEmail, configured_mailer
from app.models import OutboxMessage
from app.models.base import utcnow
from app.models.outbox import OutboxStatus
from app.services.core import codes, crypto
from app.services.core.i18n import N_
from app.services.core.paging import id_page
from app.services.messaging.claims import any_row, claim_next
from app.services.messaging.email_html import ComposedEmail

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # 30 s, 1, 2, 4 ... minutes, capped at an hour: about five hours of outage
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
CLAIM_TIMEOUT = timedelta(minutes=10)
BATCH_SIZE = 20
POLL_SECONDS = 3.0
MAX_PAGE = 100


@dataclass(frozen=True)
class DeliveryCounts:
    """What one `deliver_due` pass did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    requeued: int = 0

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed


def backoff_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def queue_email(
    session: Session,
    *,
    kind: str,
    to_address: str,
    subject: str,
    text_body: str,
    html_body: str,
    inline_images: tuple[InlineImage, ...] = (),
    attachments: tuple[Attachment, ...] = (),
    operator_id: int | None = None,
    card_id: int | None = None,
) -> OutboxMessage:
    """Add a message to the outbox inside the caller's transaction (it goes out only if that commits).
    `attachments` are stored encrypted like the bodies (a printable card holds its code)."""
    images = [
        {"cid": image.cid, "content_type": image.content_type, "base64": base64.b64encode(image.data).decode()}
        for image in inline_images
    ]
    message = OutboxMessage(
        operator_id=operator_id,
        kind=kind,
        to_address=to_address,
        subject=subject[:255],
        text_body=crypto.encrypt(text_body),
        html_body=crypto.encrypt(html_body),
        inline_images=crypto.encrypt(json.dumps(images)),
        attachments=crypto.encrypt(json.dumps([
            {"filename": item.filename, "content_type": item.content_type, "base64": base64.b64encode(item.data).decode()}
            for item in attachments
        ])) if attachments else None,
        card_id=card_id,
    )
    session.add(message)
    session.flush()
    return message


def queue_composed(
    session: Session,
    email: ComposedEmail,
    *,
    kind: str,
    to_address: str,
    operator_id: int,
    card_id: int | None = None,
    inline_images: tuple[InlineImage, ...] = (),
    attachments: tuple[Attachment, ...] = (),
) -> OutboxMessage:
    """`queue_email` for an email a compose function wrote (subject, text and HTML together)."""
    return queue_email(
        session,
        kind=kind,
        operator_id=operator_id,
        card_id=card_id,
        to_address=to_address,
        subject=email.subject,
        text_body=email.text_body,
        html_body=email.html_body,
        inline_images=inline_images,
        attachments=attachments,
    )


class UnreadableMessage(Exception):
    """The stored bodies cannot be decrypted (SECRET_KEY changed since they were queued)."""


def read_email(message: OutboxMessage) -> OutgoingEmail:
    """The message as it will be sent, decrypted."""
    text_body = crypto.decrypt(message.text_body)
    html_body = crypto.decrypt(message.html_body)
    images_json = crypto.decrypt(message.inline_images)
    attachments_json = crypto.decrypt(message.attachments) if message.attachments else "[]"
    if text_body is None or html_body is None or images_json is None or attachments_json is None:
        raise UnreadableMessage("This message cannot be decrypted: SECRET_KEY changed since it was queued.")
    images = tuple(
        InlineImage(cid=item["cid"], content_type=item["content_type"], data=base64.b64decode(item["base64"]))
        for item in json.loads(images_json)
    )
    attachments = tuple(
        Attachment(filename=item["filename"], content_type=item["content_type"], data=base64.b64decode(item["base64"]))
        for item in json.loads(attachments_json)
    )
    return OutgoingEmail(
        to_address=message.to_address,
        subject=message.subject,
        text_body=text_body,
        html_body=html_body,
        inline_images=images,
        attachments=attachments,
        message_key=f"giftnet-outbox-{message.id}-{int(_aware(message.created_at).timestamp())}",
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# --- delivery -------------------------------------------------------------------


def _requeue_stale_claims(now: datetime) -> int:
    """Give back messages whose worker stopped mid-send (or fail them when out of attempts)."""
    stale = (OutboxMessage.status == OutboxStatus.sending) & (OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)
    if not any_row(OutboxMessage, stale):
        return 0
    reason = "The sender stopped while sending this message"
    with write_session() as session:
        out_of_attempts = session.execute(
            update(OutboxMessage)
            .where(stale, OutboxMessage.attempts >= MAX_ATTEMPTS)
            .values(status=OutboxStatus.failed, claimed_at=None, last_error=f"{reason}; no attempts left.")
        ).rowcount
        requeued = session.execute(
            update(OutboxMessage)
            .where(stale)
            .values(status=OutboxStatus.queued, claimed_at=None, next_attempt_at=now, last_error=f"{reason}; it will be retried.")
        ).rowcount
    if requeued or out_of_attempts:
        log.warning("outbox: %s stale claims requeued, %s failed", requeued, out_of_attempts)
    return requeued


def _claim_next(now: datetime) -> OutboxMessage | None:
    """Claim the next due message for this worker (messaging/claims.py), or None when nothing is due."""
    due = (OutboxMessage.status == OutboxStatus.queued) & (OutboxMessage.next_attempt_at <= now)
    return claim_next(OutboxMessage, due, sending={"status": OutboxStatus.sending, "claimed_at": now})


def _finish(message: OutboxMessage, **values: Any) -> bool:
    """Record the outcome, only if this worker still holds the claim (same attempt number)."""
    with write_session() as session:
        return (
            session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message.id,
                    OutboxMessage.status == OutboxStatus.sending,
                    OutboxMessage.attempts == message.attempts,
                )
                .values(claimed_at=None, **values)
            ).rowcount
            == 1
        )


def _deliver_one(message: OutboxMessage, mailer: Mailer, now: datetime) -> str:
    """Send one claimed message; returns sent | retrying | failed."""
    try:
        try:
            mailer.send(read_email(message))
        except (MailDeliveryError, UnreadableMessage):
            raise
        except Exception as unexpected:  # a bug on one message must not stall the queue behind it
            log.exception("outbox: unexpected error sending message %s", message.id)
            raise MailDeliveryError(f"Unexpected error while sending: {unexpected!r}") from unexpected
    except UnreadableMessage as error:
        _finish(message, status=OutboxStatus.failed, last_error=str(error))
        return "failed"
    except MailDeliveryError as error:
        if error.permanent or message.attempts >= MAX_ATTEMPTS:
            suffix = "" if error.permanent else f" (gave up after {message.attempts} attempts)"
            _finish(message, status=OutboxStatus.failed, last_error=f"{error.reason}{suffix}"[:1000])
            return "failed"
        _finish(
            message,
            status=OutboxStatus.queued,
            last_error=error.reason,
            next_attempt_at=now + backoff_after(message.attempts),
        )
        return "retrying"
    if not _finish(message, status=OutboxStatus.sent, sent_at=utcnow(), last_error=None):
        log.warning("outbox: message %s was sent but its claim had expired", message.id)
    return "sent"


def deliver_due(now: datetime | None = None, *, mailer: Mailer | None = None, batch_size: int = BATCH_SIZE) -> DeliveryCounts:
    """One pass of the sender: re-queue stale claims, then claim and send up to
    `batch_size` due messages, one at a time. Without a mailer (no `SMTP_URL`)
    it does nothing: messages stay in the outbox."""
    mailer = mailer or configured_mailer()
    if mailer is None:
        return DeliveryCounts()
    now = _aware(now or utcnow())
    requeued = _requeue_stale_claims(now)
    outcomes = {"sent": 0, "retrying": 0, "failed": 0}
    for _ in range(batch_size):
        message = _claim_next(now)
        if message is None:
            break
        outcomes[_deliver_one(message, mailer, now)] += 1
    return DeliveryCounts(requeued=requeued, **outcomes)


async def deliver_forever(poll_seconds: float = POLL_SECONDS) -> None:
    """The background sender (a lifespan task of the app when `SMTP_URL` is set).
    Every app worker may run one: claims keep them from sending a message twice."""
    log.info("outbox sender started")
    while True:
        try:
            counts = await asyncio.to_thread(deliver_due)
            if counts.attempted or counts.requeued:
                log.info("outbox: %s", counts)
        except Exception:  # a database hiccup must not stop the sender for good
            log.exception("outbox pass failed")
        await asyncio.sleep(poll_seconds)


# --- reading, for the Outbox screen ----------------------------------------------


@dataclass(frozen=True)
class OutboxPage:
    messages: list[OutboxMessage]
    next_cursor: int | None


@dataclass(frozen=True)
class OutboxPreview:
    """A message as the dashboard shows it: card codes masked, images inlined as data: URLs."""

    message: OutboxMessage
    html: str
    text: str


def list_outbox(operator_id: int, *, limit: int = 25, cursor: int | None = None) -> OutboxPage:
    """The operator's messages, newest first (bodies stay encrypted here)."""
    limit = max(1, min(int(limit), MAX_PAGE))
    statement = select(OutboxMessage).where(OutboxMessage.operator_id == operator_id)
    rows, next_cursor = id_page(statement, OutboxMessage, limit=limit, cursor=cursor)
    return OutboxPage(messages=rows, next_cursor=next_cursor)


_FORMATTED_CODE = re.compile(rf"\b[{codes.ALPHABET}]{{4}}-[{codes.ALPHABET}]{{4}}-[{codes.ALPHABET}]{{4}}-([{codes.ALPHABET}]{{4}})\b")


def mask_card_codes(text: str) -> str:
    """Screens never show a full card code: ABCD-EFGH-JKMN-7KQ2 -> ••••-••••-••••-7KQ2."""
    return _FORMATTED_CODE.sub(lambda match: f"••••-••••-••••-{match.group(1)}", text)


# A team invitation's link makes whoever opens it a member with the invited role (maybe an
# owner): staff read this outbox too, so its token is never shown. Owners resend from Team.
_JOIN_LINK = re.compile(r"(/join/)[A-Za-z0-9_-]+")


def mask_join_links(text: str) -> str:
    return _JOIN_LINK.sub(lambda match: f"{match.group(1)}••••••", text)


def preview_message(operator_id: int, message_id: int) -> OutboxPreview | None:
    """One of the operator's messages, ready to render; None when it is not theirs."""
    with read_session() as session:
        message = session.exec(
            select(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.operator_id == operator_id)
        ).first()
    if message is None:
        return None
    try:
        email = read_email(message)
    except UnreadableMessage as error:
        return OutboxPreview(message=message, html="", text=str(error))
    html_body = email.html_body
    for image in email.inline_images:
        data_url = f"data:{image.content_type};base64,{base64.b64encode(image.data).decode()}"
        html_body = html_body.replace(f"cid:{image.cid}", data_url)
    text = email.text_body
    if email.attachments:  # the screen shows the files' names, never their content (a card PDF holds the code)
        text += "\n" + "\n".join(f"[Attached: {item.filename}, {max(1, len(item.data) // 1024):,} KB]"
                                  for item in email.attachments)
    return OutboxPreview(message=message, html=mask_join_links(mask_card_codes(html_body)),
                         text=mask_join_links(mask_card_codes(text)))


@dataclass(frozen=True)
class StatusWords:
    label: str  # the badge: waiting, queued, retrying, sending, sent, failed
    note: str  # what it means for the email, in a sentence ("" when the label says it all)


NO_MAIL_SERVER_NOTE = N_("No mail server is set up; the email is kept and sent once SMTP_URL is set.")


def status_words(status: str, *, mail_server_set: bool, attempts: int = 0) -> StatusWords:
    """What the Outbox says of a message: a queued email with no mail server set is
    "waiting" (kept, sent once SMTP_URL is set), not a bare "queued" that reads like a fault;
    with one set it is queued to go out, or retrying after a failed attempt."""
    if status == OutboxStatus.queued:
        if not mail_server_set:
            return StatusWords(N_("waiting"), NO_MAIL_SERVER_NOTE)
        if attempts:
            return StatusWords(N_("retrying"), N_("The last attempt failed (below); it is tried again shortly."))
        return StatusWords(N_("queued"), N_("Goes out in a moment."))
    if status == OutboxStatus.failed:
        return StatusWords(N_("failed"), N_("Not sent: the mail server refused it or every retry failed."))
    return StatusWords(str(status), "")


__all__ = [
    "DeliveryCounts",
    "OutboxPage",
    "OutboxPreview",
    "StatusWords",
    "backoff_after",
    "deliver_due",
    "deliver_forever",
    "list_outbox",
    "mask_card_codes",
    "preview_message",
    "queue_composed",
    "queue_email",
    "read_email",
    "status_words",
]
