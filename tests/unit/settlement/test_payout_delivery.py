"""A batch's bank file delivered to the bank's SFTP server by the background job: a real
OpenSSH server (tests/support/sftp.py), the real services, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import AuditEvent, OutboxMessage, PayoutDelivery, WebhookDelivery
from app.models.base import utcnow
from app.services.core.errors import ErrorCode
from app.services.messaging import outbox, webhooks
from app.services.settlement import bank_files, batches, delivery, payout_settings
from tests.support.services import at_once, refused
from tests.support.settlement import redeem_at, us_network

HOOK_URL = "https://erp.example.test/giftnet"


@pytest.fixture
def us(make_operator):
    network = us_network(make_operator)
    webhooks.create_endpoint(network.owner.actor, HOOK_URL, ["payout.delivered", "payout.delivery_failed"])
    return network


def deliver_by_sftp(owner, server, **changes) -> None:
    payout_settings.update_settings(owner.actor, {"payouts": {"delivery": {
        "method": "sftp", "sftp": server.target(**changes)}}})


def exported_batch(network, *amounts: int) -> tuple[int, bank_files.StoredBankFile]:
    """A batch paying the checking location, its NACHA file written (as a download does)."""
    redeem_at(network.owner, network.checking, *(amounts or (2_500,)))
    batch = batches.create_payout(network.owner.actor, through=utcnow())
    return batch.batch.id, bank_files.export_bank_file(network.owner.actor, batch.batch.id, "nacha")


def owed_events(operator_id: int) -> list[tuple[str, dict]]:
    with read_session() as session:
        rows = session.exec(select(WebhookDelivery).where(WebhookDelivery.operator_id == operator_id)
                            .order_by(WebhookDelivery.id)).all()
    return [(row.event_type, json.loads(row.payload)["data"]) for row in rows]


def failure_emails(operator_id: int) -> list[tuple[str, str]]:
    with read_session() as session:
        rows = session.exec(select(OutboxMessage).where(OutboxMessage.operator_id == operator_id,
                                                        OutboxMessage.kind == "payout_delivery_failed")
                            .order_by(OutboxMessage.id)).all()
    return [(row.to_address, outbox.read_email(row).text_body) for row in rows]


def test_a_batchs_nacha_file_arrives_with_the_bytes_stored(us, sftp_server):
    deliver_by_sftp(us.owner, sftp_server)
    batch_id, bank_file = exported_batch(us, 2_500, 1_000)
    assert delivery.delivery_of(us.owner.operator.id, batch_id).status == "pending"

    counts = delivery.deliver_due()

    assert (counts.delivered, counts.retrying, counts.failed) == (1, 0, 0)
    name = f"{us.owner.operator.slug}-payout-{batch_id}-{bank_file.created_at:%Y%m%d%H%M%S}.ach"
    assert sftp_server.files() == {name: bank_files.bank_file_bytes(bank_file)}
    shown = delivery.delivery_of(us.owner.operator.id, batch_id)
    assert (shown.status, shown.attempts, shown.remote_path, shown.last_error) == (
        "delivered", 1, f"{sftp_server.inbox}/{name}", None)
    assert shown.delivered_at is not None
    assert [event for event, _data in owed_events(us.owner.operator.id)] == ["payout.delivered"]
    assert owed_events(us.owner.operator.id)[0][1]["delivery"]["remote_path"] == shown.remote_path
    assert delivery.deliver_due().delivered == 0  # sent once
    assert failure_emails(us.owner.operator.id) == []


def test_a_stopped_server_is_retried_then_the_batch_fails_and_the_owners_are_told(us, sftp_server):
    deliver_by_sftp(us.owner, sftp_server)
    sftp_server.stop()
    batch_id, bank_file = exported_batch(us)
    now = utcnow()

    for attempt in range(1, delivery.MAX_ATTEMPTS):
        assert delivery.deliver_due(now).retrying == 1
        waiting = delivery.delivery_of(us.owner.operator.id, batch_id)
        assert (waiting.status, waiting.attempts) == ("pending", attempt)
        assert waiting.last_error == f"Cannot connect to the SFTP server at 127.0.0.1 port {sftp_server.port}: " \
                                     "no SSH server answered there, or it is not a public internet address."
        assert delivery.deliver_due(now + delivery.RETRY_DELAYS[attempt - 1] - timedelta(seconds=1)).retrying == 0
        now += delivery.RETRY_DELAYS[attempt - 1]
        assert failure_emails(us.owner.operator.id) == []  # no email while it is still being tried

    assert delivery.deliver_due(now).failed == 1
    failed = delivery.delivery_of(us.owner.operator.id, batch_id)
    assert (failed.status, failed.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert "no SSH server answered there" in failed.last_error
    emails = failure_emails(us.owner.operator.id)
    assert [address for address, _text in emails] == [us.owner.email]
    assert f"payout batch #{batch_id}" in emails[0][1] and "no SSH server answered there" in emails[0][1]
    assert "Retry delivery" in emails[0][1]
    assert [(event, data["delivery"]["status"]) for event, data in owed_events(us.owner.operator.id)] == [
        ("payout.delivery_failed", "failed")]
    assert delivery.deliver_due(now + timedelta(days=1)).failed == 0  # nothing more is tried by itself
    # The file can still be downloaded by hand: the same stored bytes.
    again = bank_files.export_bank_file(us.owner.actor, batch_id, "nacha")
    assert again.content == bank_file.content

    sftp_server.start()
    queued = delivery.retry_delivery(us.owner.actor, batch_id)
    assert (queued.status, queued.attempts) == ("pending", 0)
    assert delivery.deliver_due(now).delivered == 1

    assert list(sftp_server.files().values()) == [bank_files.bank_file_bytes(bank_file)]
    assert delivery.delivery_of(us.owner.operator.id, batch_id).status == "delivered"
    assert [event for event, _data in owed_events(us.owner.operator.id)] == ["payout.delivery_failed",
                                                                            "payout.delivered"]
    assert len(failure_emails(us.owner.operator.id)) == 1
    assert refused(delivery.retry_delivery, us.owner.actor, batch_id).code == ErrorCode.conflict


def test_job_processes_racing_send_each_file_once(us, sftp_server):
    deliver_by_sftp(us.owner, sftp_server)
    batch_ids = [exported_batch(us, 1_000 + n)[0] for n in range(3)]

    passes = at_once(3, lambda _index: delivery.deliver_due())

    assert sum(counts.delivered for counts in passes) == 3
    assert sum(counts.retrying + counts.failed for counts in passes) == 0
    assert len(sftp_server.files()) == 3
    with read_session() as session:
        delivered = session.exec(select(AuditEvent.target_id).where(AuditEvent.action == "payout.delivered")).all()
        rows = session.exec(select(PayoutDelivery).where(PayoutDelivery.batch_id.in_(batch_ids))).all()
    assert sorted(int(target) for target in delivered) == batch_ids
    assert {(row.status, row.attempts) for row in rows} == {("delivered", 1)}
    assert [event for event, _data in owed_events(us.owner.operator.id)] == ["payout.delivered"] * 3


def test_a_server_with_another_host_key_is_refused_at_once(us, sftp_server):
    deliver_by_sftp(us.owner, sftp_server, host_key_sha256="SHA256:" + "A" * 43)
    batch_id, _file = exported_batch(us)

    assert delivery.deliver_due().failed == 1

    failed = delivery.delivery_of(us.owner.operator.id, batch_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "is not the one pinned" in failed.last_error and sftp_server.host_key_sha256 in failed.last_error
    assert sftp_server.files() == {}
    assert len(failure_emails(us.owner.operator.id)) == 1


def test_a_batch_cancelled_before_its_file_went_out_is_not_sent(us, sftp_server):
    deliver_by_sftp(us.owner, sftp_server)
    batch_id, _file = exported_batch(us)
    batches.cancel_payout(us.owner.actor, batch_id)

    assert delivery.deliver_due().failed == 1

    assert delivery.delivery_of(us.owner.operator.id, batch_id).last_error == (
        "The batch was cancelled before its file was sent; it was not sent.")
    assert sftp_server.files() == {}
    assert refused(delivery.retry_delivery, us.owner.actor, batch_id).message == (
        "This payout batch was cancelled; its bank file must not be sent.")


def test_files_downloaded_by_hand_are_not_queued_until_sftp_is_chosen(us, sftp_server):
    batch_id, bank_file = exported_batch(us)
    assert delivery.delivery_of(us.owner.operator.id, batch_id).status == "none"
    assert delivery.queue_delivery(us.owner.operator.id, batch_id) is False
    assert refused(delivery.retry_delivery, us.owner.actor, batch_id).message.startswith("Choose SFTP delivery")

    deliver_by_sftp(us.owner, sftp_server)
    assert delivery.retry_delivery(us.owner.actor, batch_id).status == "pending"  # "Retry delivery" sends it now
    assert delivery.queue_delivery(us.owner.operator.id, batch_id) is False  # queued once
    assert delivery.deliver_due().delivered == 1
    assert list(sftp_server.files().values()) == [bank_files.bank_file_bytes(bank_file)]


def test_another_operators_batch_delivery_is_out_of_reach(us, sftp_server, make_operator):
    deliver_by_sftp(us.owner, sftp_server)
    batch_id, _file = exported_batch(us)
    rival = make_operator("Rival Network", currency="USD")

    assert delivery.delivery_of(rival.operator.id, batch_id).status == "none"
    assert refused(delivery.retry_delivery, rival.actor, batch_id).code == ErrorCode.not_found
    assert delivery.delivery_of(us.owner.operator.id, batch_id).status == "pending"


def test_only_owners_retry_deliveries(us, sftp_server):
    from dataclasses import replace

    deliver_by_sftp(us.owner, sftp_server)
    batch_id, _file = exported_batch(us)

    assert refused(delivery.retry_delivery, replace(us.owner.actor, role="staff"), batch_id).code == ErrorCode.forbidden


def test_the_settlements_screen_says_where_each_file_went(us, sftp_server):
    from app.state.payout_delivery import delivery_cells

    deliver_by_sftp(us.owner, sftp_server)
    batch_id, _file = exported_batch(us)
    zone = us.owner.operator.timezone
    assert delivery_cells(delivery.delivery_of(us.owner.operator.id, batch_id), zone) == {
        "delivery_status": "pending", "delivery_label": "Waiting to be sent", "delivery_text": "In a few seconds.",
        "delivery_retry": ""}

    delivery.deliver_due()

    shown = delivery_cells(delivery.delivery_of(us.owner.operator.id, batch_id), zone)
    assert (shown["delivery_label"], shown["delivery_retry"]) == ("Delivered to the bank", "")
    assert shown["delivery_text"].startswith(f"{sftp_server.inbox}/{us.owner.operator.slug}-payout-{batch_id}-")
    assert delivery_cells(delivery.delivery_of(us.owner.operator.id, 999_999), zone)["delivery_retry"] == "yes"
