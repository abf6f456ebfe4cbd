"""The Outbox screen: every email of the operator, newest first, and one rendered."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from app.integrations.mail import parse_smtp_url
from app.services.core import i18n
from app.services.core.i18n import N_
from app.services.core.timefmt import format_local_time
from app.services.messaging import outbox
from app.settings import get_settings
from app.state.paging import KeysetPaging
from app.state.session import SessionState

PAGE_SIZE = 25


@dataclass
class OutboxRow:
    id: int = 0
    to_address: str = ""
    subject: str = ""
    status: str = ""
    status_label: str = ""  # what the badge says ("waiting" when no mail server is set)
    status_note: str = ""
    attempts: int = 0
    last_error: str = ""
    created: str = ""
    sent: str = ""


def _delivery_mode(lang: str = i18n.DEFAULT_LANGUAGE) -> str:
    _ = i18n.translator(lang)
    smtp_url = get_settings().smtp_url
    if not smtp_url:
        return _(N_("No mail server is set up (SMTP_URL): emails are kept here and sent once SMTP_URL is set."))
    try:
        return _(N_("Emails are sent by SMTP through {server}, with retries."), server=parse_smtp_url(smtp_url).display)
    except ValueError as error:
        return _(N_("SMTP_URL is not usable: {error}"), error=error)


def _status_words(status: str, mail_server_set: bool, attempts: int, lang: str = i18n.DEFAULT_LANGUAGE) -> dict[str, str]:
    words = outbox.status_words(status, mail_server_set=mail_server_set, attempts=attempts)
    return {"status_label": i18n.translate(words.label, lang), "status_note": i18n.translate(words.note, lang)}


class OutboxState(KeysetPaging, SessionState):
    rows: list[OutboxRow] = []
    delivery_mode: str = ""
    # the message on view
    selected: OutboxRow = OutboxRow()
    selected_html: str = ""
    selected_text: str = ""

    def _load_page(self, cursor: int | None = None):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        page = outbox.list_outbox(who.operator_id, limit=PAGE_SIZE, cursor=cursor)
        mail_server_set = bool(get_settings().smtp_url)
        self.rows = [
            OutboxRow(
                id=message.id,
                to_address=message.to_address,
                subject=message.subject,
                status=message.status,
                **_status_words(message.status, mail_server_set, message.attempts, self.lang),
                attempts=message.attempts,
                last_error=message.last_error or "",
                created=format_local_time(message.created_at, who.timezone),
                sent=format_local_time(message.sent_at, who.timezone),
            )
            for message in page.messages
        ]
        self.next_cursor = page.next_cursor or 0
        self.delivery_mode = _delivery_mode(self.lang)
        return None

    @rx.event
    def load(self):
        self.selected, self.selected_html, self.selected_text = OutboxRow(), "", ""
        return self._first_page()

    @rx.event
    def refresh(self):
        return self._this_page()

    @rx.event
    def show(self, message_id: int):
        who = self._signed_in()
        if who is None:
            return rx.redirect("/login")
        preview = outbox.preview_message(who.operator_id, int(message_id))
        if preview is None:
            self.selected, self.selected_html, self.selected_text = OutboxRow(), "", ""
            return None
        row = next((row for row in self.rows if row.id == preview.message.id), None)
        self.selected = row or OutboxRow(id=preview.message.id, to_address=preview.message.to_address, subject=preview.message.subject)
        self.selected_html = preview.html
        self.selected_text = preview.text
        return None
