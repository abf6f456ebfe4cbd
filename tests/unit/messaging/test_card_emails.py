"""The recipient email (code, link, QR code), its outbox row, the card page and link rotation."""

from __future__ import annotations

import base64
import email
import email.policy
import io

import pytest
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from app.api.public import router as public_router
from app.db import read_session
from app.integrations.mail import build_mime
from app.models import OutboxMessage
from app.services.core.codes import format_code
from app.services.core.errors import ErrorCode, GiftnetError
from app.services.messaging import outbox
from app.services.money import card_emails, card_page, ledger
from app.settings import get_settings


def decode_qr(png: bytes) -> list[str]:
    """Every QR code a real decoder (zxing-cpp) reads in the image."""
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def issue_with_email(owner, **overrides):
    fields = {
        "recipient_email": "Robin@Example.com",
        "recipient_name": "Robin",
        "sender_name": "Ana",
        "message": "Happy birthday!\nSee you soon.",
    }
    fields.update(overrides)
    return ledger.issue_card(owner.actor, 5000, **fields)


def sent_form(message: OutboxMessage) -> email.message.EmailMessage:
    """The message exactly as the SMTP sender would put it on the wire, parsed back."""
    raw = build_mime(outbox.read_email(message), get_settings().mail_from).as_bytes()
    return email.message_from_bytes(raw, policy=email.policy.default)


def outbox_rows(card_id: int) -> list[OutboxMessage]:
    with read_session() as session:
        return list(session.exec(select(OutboxMessage).where(OutboxMessage.card_id == card_id).order_by(OutboxMessage.id)))


def test_recipient_email_has_the_code_the_link_and_a_qr_code_of_the_link(make_operator):
    owner = make_operator("Downtown Association")
    issued = issue_with_email(owner)
    message = card_emails.queue_recipient_email(owner.operator.id, issued.card.id)
    link = f"{get_settings().public_url}/c/{issued.link_token}"

    assert message.to_address == "robin@example.com"
    assert message.status == "queued"
    assert message.subject == "Ana sent you a $50.00 CAD gift card"
    mime = sent_form(message)
    assert [part.get_content_type() for part in mime.walk()] == [
        "multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png"
    ]
    text = mime.get_body(("plain",)).get_content()
    html_part = mime.get_body(("html",)).get_content()
    for part in (text, html_part):
        assert format_code(issued.code) in part
        assert link in part
        assert "Downtown Association" in part
        assert "$50.00 CAD" in part
        assert "Ana" in part
        assert "any business of the Downtown Association network" in part
    assert "Happy birthday!\nSee you soon." in text
    assert "Happy birthday!<br>See you soon." in html_part
    assert f'href="{link}"' in html_part
    image = next(part for part in mime.walk() if part.get_content_type() == "image/png")
    assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html_part
    assert decode_qr(image.get_content()) == [link]


def test_text_people_typed_is_escaped_in_the_html_part(make_operator):
    owner = make_operator('Main St <b>"Shops"</b>')
    issued = issue_with_email(
        owner, sender_name="<script>alert(1)</script>", message='<img src=x onerror="steal()"> & more'
    )
    mime = sent_form(card_emails.queue_recipient_email(owner.operator.id, issued.card.id))
    html_part = mime.get_body(("html",)).get_content()
    text = mime.get_body(("plain",)).get_content()

    assert "<script>" not in html_part and "&lt;script&gt;alert(1)&lt;/script&gt;" in html_part
    assert "<img src=x" not in html_part and "&lt;img src=x onerror=&quot;steal()&quot;&gt; &amp; more" in html_part
    assert "&lt;b&gt;&quot;Shops&quot;&lt;/b&gt;" in html_part
    # The plain-text part shows what was typed, as typed.
    assert '<img src=x onerror="steal()"> & more' in text


def test_a_card_without_recipient_email_gets_no_email(make_operator):
    owner = make_operator()
    issued = ledger.issue_card(owner.actor, 2000)
    assert card_emails.queue_recipient_email(owner.operator.id, issued.card.id) is None
    assert outbox_rows(issued.card.id) == []
    with pytest.raises(GiftnetError) as refused:
        card_emails.resend_recipient_email(owner.operator.id, issued.card.id)
    assert refused.value.code == ErrorCode.invalid_input


def test_a_retried_issue_queues_one_email_and_resend_queues_another(make_operator):
    owner = make_operator()
    issued = issue_with_email(owner)
    first = card_emails.queue_recipient_email(owner.operator.id, issued.card.id)
    again = card_emails.queue_recipient_email(owner.operator.id, issued.card.id)
    assert again.id == first.id
    resent = card_emails.resend_recipient_email(owner.operator.id, issued.card.id)
    assert resent.id != first.id
    assert [row.id for row in outbox_rows(issued.card.id)] == [first.id, resent.id]


def test_another_operators_card_cannot_be_emailed_or_rotated(make_operator):
    owner, stranger = make_operator(), make_operator()
    issued = issue_with_email(owner)
    for attempt in (
        lambda: card_emails.queue_recipient_email(stranger.operator.id, issued.card.id),
        lambda: card_emails.resend_recipient_email(stranger.operator.id, issued.card.id),
        lambda: card_emails.rotate_card_link(stranger.actor, issued.card.id),
    ):
        with pytest.raises(GiftnetError) as refused:
            attempt()
        assert refused.value.code == ErrorCode.card_not_found
    assert outbox_rows(issued.card.id) == []
    assert card_page.public_card(issued.link_token) is not None


def test_rotating_the_link_retires_the_old_link_and_its_queued_email(make_operator):
    owner = make_operator()
    issued = issue_with_email(owner)
    first = card_emails.queue_recipient_email(owner.operator.id, issued.card.id)

    new_token = card_emails.rotate_card_link(owner.actor, issued.card.id)

    assert new_token != issued.link_token
    assert card_page.public_card(issued.link_token) is None
    assert card_page.card_qr_png(issued.link_token) is None
    assert card_page.public_card(new_token) is not None
    withdrawn = outbox_rows(issued.card.id)[0]
    assert (withdrawn.id, withdrawn.status) == (first.id, "failed")
    assert "rotated" in withdrawn.last_error
    resent = sent_form(card_emails.resend_recipient_email(owner.operator.id, issued.card.id))
    text = resent.get_body(("plain",)).get_content()
    assert f"/c/{new_token}" in text and issued.link_token not in text


def test_email_bodies_are_stored_encrypted(make_operator):
    owner = make_operator()
    issued = issue_with_email(owner)
    card_emails.queue_recipient_email(owner.operator.id, issued.card.id)
    row = outbox_rows(issued.card.id)[0]
    stored = row.text_body + row.html_body + row.inline_images
    assert issued.code not in stored and format_code(issued.code) not in stored
    assert issued.link_token not in stored


def test_the_outbox_preview_masks_the_code_and_inlines_the_qr_image(make_operator):
    owner = make_operator()
    issued = issue_with_email(owner)
    message = card_emails.queue_recipient_email(owner.operator.id, issued.card.id)

    preview = outbox.preview_message(owner.operator.id, message.id)

    masked = f"••••-••••-••••-{issued.code[-4:]}"
    assert masked in preview.html and masked in preview.text
    assert format_code(issued.code) not in preview.html + preview.text
    assert "cid:" not in preview.html and 'src="data:image/png;base64,' in preview.html
    assert outbox.preview_message(make_operator().operator.id, message.id) is None


def test_the_card_page_shows_balance_and_status_but_never_the_code(make_operator):
    owner = make_operator("Old Town Network")
    issued = issue_with_email(owner)
    view = card_page.public_card(issued.link_token)
    assert view.operator_name == "Old Town Network"
    assert view.balance == "$50.00 CAD"
    assert view.status == "active"
    assert view.masked_code == f"•••• {issued.code[-4:]}"
    assert view.where_to_use == "At any business of the Old Town Network network."
    assert view.qr_data_url.startswith("data:image/png;base64,")
    png = base64.b64decode(view.qr_data_url.removeprefix("data:image/png;base64,"))
    assert decode_qr(png) == [f"{get_settings().public_url}/c/{issued.link_token}"]
    assert issued.code not in repr(view)
    assert card_page.public_card("no-such-token") is None
    assert card_page.public_card("") is None


def test_the_qr_route_serves_the_link_as_png_and_404_for_unknown_links(make_operator):
    owner = make_operator()
    issued = issue_with_email(owner)
    api = FastAPI()
    api.include_router(public_router)
    client = TestClient(api)

    response = client.get(f"/c/{issued.link_token}/qr.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert decode_qr(response.content) == [f"{get_settings().public_url}/c/{issued.link_token}"]

    unknown = client.get("/c/not-a-real-token/qr.png")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "card_not_found"

    card_emails.rotate_card_link(owner.actor, issued.card.id)
    assert client.get(f"/c/{issued.link_token}/qr.png").status_code == 404
