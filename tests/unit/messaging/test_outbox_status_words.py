"""The Outbox says in words what happens to an email: with no mail server set, a queued email
is "waiting" and kept until SMTP_URL is set, which reads as the plan it is, not a fault."""

from __future__ import annotations

from app.models.outbox import OutboxStatus
from app.services.messaging.outbox import NO_MAIL_SERVER_NOTE, status_words


def test_a_queued_email_without_a_mail_server_is_waiting_and_kept_until_smtp_url_is_set():
    words = status_words(OutboxStatus.queued, mail_server_set=False)
    assert (words.label, words.note) == ("waiting", NO_MAIL_SERVER_NOTE)
    assert words.note == "No mail server is set up; the email is kept and sent once SMTP_URL is set."


def test_with_a_mail_server_a_queued_email_goes_out_soon_or_is_retried_after_a_failure():
    assert status_words(OutboxStatus.queued, mail_server_set=True).label == "queued"
    retry = status_words(OutboxStatus.queued, mail_server_set=True, attempts=2)
    assert (retry.label, retry.note) == ("retrying", "The last attempt failed (below); it is tried again shortly.")


def test_sent_sending_and_failed_say_what_they_are():
    assert status_words(OutboxStatus.sent, mail_server_set=True) == status_words(OutboxStatus.sent,
                                                                                  mail_server_set=False)
    assert (status_words(OutboxStatus.sent, mail_server_set=True).label,
            status_words(OutboxStatus.sending, mail_server_set=True).label) == ("sent", "sending")
    failed = status_words(OutboxStatus.failed, mail_server_set=True)
    assert failed.label == "failed" and failed.note.startswith("Not sent")
