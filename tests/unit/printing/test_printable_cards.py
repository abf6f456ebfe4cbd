"""A card as a printable PDF: what it says (read back with pypdf), where its QR code leads
(rendered with PDFium, decoded with zxing-cpp), who sees the code on it, and the recipient's
email that carries it as an attachment over real SMTP."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from app.db import read_session
from app.models import AuditEvent
from app.services.access import team
from app.services.core.actor import Actor
from app.services.core.codes import format_code
from app.services.core.errors import GiftnetError
from app.services.messaging import outbox
from app.services.money import card_emails, card_page, ledger
from app.services.network import locations
from app.services.printing import printable_cards
from app.services.shop import shop_settings
from app.settings import get_settings
from tests.support.pdfs import pdf_qr_codes, pdf_text
from tests.support.ports import free_port
from tests.support.smtp import Inbox, SmtpServer, use_smtp


def _issue(owner, amount_cents: int = 5000, **recipient):
    return ledger.issue_card(owner.actor, amount_cents, **recipient)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _staff(owner, email: str = "sam@example.com") -> Actor:
    invitation = team.invite(owner.actor, email, "staff")
    message = next(item for item in outbox.list_outbox(owner.operator.id).messages if item.to_address == email)
    token = re.search(r"/join/(\S+)", outbox.read_email(message).text_body).group(1)
    assert invitation.invitation.id
    joined = team.accept(token, "Sam Staff", "correct horse battery staple")
    return Actor(joined.operator_id, user_id=joined.user_id, role=joined.role)


def _audit_actions(operator_id: int) -> list[str]:
    with read_session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.operator_id == operator_id)
                                 .order_by(AuditEvent.id)).all())


def test_an_owners_card_pdf_holds_the_code_amount_names_message_and_places_and_its_qr_opens_the_card_page(
        database, make_operator):
    owner = make_operator("Harbour District", currency="USD")
    locations.create_location(owner.actor, {"name": "Harbour Cafe", "email": "cafe@example.com"})
    shop_settings.update_shop_settings(owner.actor, {"primary_colour": "#1d4ed8"})
    issued = _issue(owner, 5000, recipient_name="Sam", sender_name="Alex", message="Happy birthday, Sam!")

    printed = printable_cards.card_pdf(owner.actor, issued.card.id)

    text = _one_line(pdf_text(printed.data))
    assert printed.filename == f"gift-card-{issued.card.last4}.pdf"
    assert printed.data.startswith(b"%PDF-")
    assert format_code(issued.code) in text
    assert "$50.00 USD" in text
    for words in ("Harbour District", "For Sam", "From Alex", "Happy birthday, Sam!", "Harbour Cafe"):
        assert words in text
    assert pdf_qr_codes(printed.data) == [card_page.card_link(issued.link_token)]
    assert "card.pdf_downloaded" in _audit_actions(owner.operator.id)


def test_staff_print_the_card_with_its_last_4_only_and_the_download_is_audited(database, make_operator):
    owner = make_operator("Harbour District")
    issued = _issue(owner, 2500)
    staff = _staff(owner)

    printed = printable_cards.card_pdf(staff, issued.card.id)

    text = _one_line(pdf_text(printed.data))
    assert format_code(issued.code) not in text
    assert issued.card.last4 in text
    assert "an owner can print the card with its code" in text
    assert pdf_qr_codes(printed.data) == [card_page.card_link(issued.link_token)]
    assert _audit_actions(owner.operator.id).count("card.pdf_downloaded") == 1


def test_another_operators_card_cannot_be_printed(database, make_operator):
    owner, rival = make_operator("Harbour District"), make_operator("Rival Network")
    issued = _issue(owner)

    with pytest.raises(GiftnetError) as refused:
        printable_cards.card_pdf(rival.actor, issued.card.id)

    assert refused.value.code == "card_not_found"
    assert "card.pdf_downloaded" not in _audit_actions(rival.operator.id)


def test_the_card_pages_pdf_never_shows_the_code_and_an_unknown_link_prints_nothing(database, make_operator):
    owner = make_operator("Harbour District")
    issued = _issue(owner, 3000)

    printed = printable_cards.public_card_pdf(issued.link_token)

    text = _one_line(pdf_text(printed.data))
    assert format_code(issued.code) not in text
    assert issued.card.last4 in text and "$30.00 CAD" in text
    assert "The full card code is in the email" in text
    assert printable_cards.public_card_pdf("not-a-real-link-token") is None
    card_emails.rotate_card_link(owner.actor, issued.card.id)
    assert printable_cards.public_card_pdf(issued.link_token) is None  # a rotated link prints nothing either


def test_a_network_name_outside_the_pdf_fonts_still_prints(database, make_operator):
    owner = make_operator("Café Œuvre ★ Montréal")
    issued = _issue(owner, 2000, recipient_name="Zoë 🎉")

    text = _one_line(pdf_text(printable_cards.card_pdf(owner.actor, issued.card.id).data))

    assert "Café Œuvre ? Montréal" in text
    assert "For Zoë ?" in text


@pytest.fixture
def smtp(database, monkeypatch):  # the database comes first: it resets settings
    port = free_port()
    with SmtpServer(port, Inbox()) as server:
        use_smtp(monkeypatch, f"smtp://127.0.0.1:{port}")
        yield server
    monkeypatch.delenv("SMTP_URL")
    get_settings.cache_clear()


def test_the_recipient_email_carries_the_printable_card_as_a_pdf_attachment_over_smtp(smtp, make_operator):
    owner = make_operator("Harbour District", currency="USD")
    issued = _issue(owner, 4200, recipient_email="robin@example.com", recipient_name="Robin")
    attachment = printable_cards.email_attachment(owner.operator.id, issued.card.id)
    queued = card_emails.queue_recipient_email(owner.operator.id, issued.card.id, attachments=(attachment,))
    preview = outbox.preview_message(owner.operator.id, queued.id)
    assert f"[Attached: gift-card-{issued.card.last4}.pdf," in preview.text  # the Outbox screen names the file

    assert outbox.deliver_due().sent == 1

    received = smtp.inbox.to("robin@example.com")[0]
    assert received.get_content_type() == "multipart/mixed"
    body, pdf_part = received.get_payload()
    assert body.get_content_type() == "multipart/related"  # text, HTML and the inline QR code, as before
    assert "Your card code" in body.get_payload()[0].get_payload()[0].get_content()
    assert pdf_part.get_content_type() == "application/pdf"
    assert pdf_part.get_content_disposition() == "attachment"
    assert pdf_part.get_filename() == f"gift-card-{issued.card.last4}.pdf"
    data = pdf_part.get_content()
    assert format_code(issued.code) in _one_line(pdf_text(data))
    assert "$42.00 USD" in _one_line(pdf_text(data))
    assert pdf_qr_codes(data) == [card_page.card_link(issued.link_token)]


def test_an_email_without_attachment_is_sent_as_before(smtp, make_operator):
    owner = make_operator("Harbour District")
    issued = _issue(owner, 4200, recipient_email="robin@example.com")
    card_emails.queue_recipient_email(owner.operator.id, issued.card.id)

    assert outbox.deliver_due().sent == 1

    assert smtp.inbox.to("robin@example.com")[0].get_content_type() == "multipart/related"
