"""A spam relay through the API: a new network posting cards with recipient emails, or importing a
file of 20,000 businesses, gets its hourly quota of emails and no more. Past it POST /cards answers
429 with Retry-After before any card is made; the import imports and holds the emails back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.db import read_session
from app.models import OutboxMessage
from tests.support.backend import Backend, services_on

QUOTA_NEW = 50  # the default of a network's first week


@pytest.fixture(scope="module")
def quota_backend() -> Iterator[Backend]:
    """A backend with the default email quotas (the shared one lifts them)."""
    running = Backend("email-quota", {"EMAIL_QUOTA_PER_HOUR_NEW": str(QUOTA_NEW)})
    running.start()
    with services_on(running.database_url):
        yield running
    running.stop()


def outbox_count(operator_id: int) -> int:
    with read_session() as session:
        return session.exec(select(func.count(OutboxMessage.id)).where(OutboxMessage.operator_id == operator_id)).one()


def test_a_hundred_cards_with_emails_stop_at_the_new_network_quota(quota_backend: Backend):
    quota = QUOTA_NEW
    relay = quota_backend.new_operator("Card Relay")
    answers = [relay.http.post("/cards", json={"amount_cents": 1_000, "recipient_email": f"victim{n}@example.net",
                                               "message": "Your account is locked, click here"})
               for n in range(100)]
    created = [answer for answer in answers if answer.status_code == 201]
    refused = [answer for answer in answers if answer.status_code == 429]
    assert len(created) == quota and len(refused) == 100 - quota
    assert all(answer.json()["email_queued"] for answer in created)
    body = refused[0].json()["error"]
    assert body["code"] == "rate_limited" and body["message"].startswith(f"This network may send {quota} emails")
    assert 60 <= int(refused[0].headers["retry-after"]) <= 3600
    # Nothing was made for a refused request: no card, no email.
    listed = relay.http.get("/cards", params={"limit": 100}).json()["data"]
    assert len(listed) == quota
    assert outbox_count(relay.id) == quota
    # A card without an email is still issued: only emails are counted.
    assert relay.http.post("/cards", json={"amount_cents": 1_000}).status_code == 201


def test_a_long_message_is_refused_naming_the_field(quota_backend: Backend):
    relay = quota_backend.new_operator("Long Message Relay")
    answer = relay.http.post("/cards", json={"amount_cents": 1_000, "recipient_email": "victim@example.net",
                                             "message": "x" * 1000})
    assert answer.status_code in (400, 422), answer.text
    assert answer.json()["error"]["field"] == "message"
    assert relay.http.get("/cards").json()["data"] == [] and outbox_count(relay.id) == 0


def test_an_import_of_twenty_thousand_rows_does_not_queue_twenty_thousand_emails(quota_backend: Backend):
    quota = QUOTA_NEW
    relay = quota_backend.new_operator("Import Relay")
    rows = "".join(f"Shop {n},victim{n}@example.net\n" for n in range(20_000))
    answer = relay.http.post("/locations/import", files={"file": ("shops.csv", f"name,email\n{rows}".encode(),
                                                                   "text/csv")}, timeout=600)
    assert answer.status_code == 200, answer.text[:500]
    report = answer.json()
    assert report["created"] == 20_000
    assert (report["activation_emails_sent"], report["activation_emails_held"]) == (quota, 20_000 - quota)
    assert outbox_count(relay.id) == quota
