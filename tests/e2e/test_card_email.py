"""The recipient email end to end: issued from the dashboard, delivered by SMTP to a
local SMTP server (aiosmtpd), its link opened in Chromium on a phone-sized screen, its
QR code decoded; then the link rotated from the card screen and resent."""

from __future__ import annotations

import base64
import email
import email.policy
import io
import re
import uuid

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import deliver_outbox, log_in, open_page, wait_for_path, wait_ready

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


def decode_qr(png: bytes) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def link_and_qr(message: email.message.EmailMessage) -> tuple[str, bytes]:
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"https?://\S+/c/[A-Za-z0-9_-]+", text).group(0)
    assert f'href="{link}"' in message.get_body(("html",)).get_content()
    qr = next(part for part in message.walk() if part.get_content_type() == "image/png")
    return link, qr.get_content()


def issue_with_email(page, amount: str, recipient: str) -> str:
    page.click("#issue-card-open")
    page.fill("#issue-card-amount", amount)
    page.fill("#issue-card-recipient-email", recipient)
    page.fill("#issue-card-sender-name", "Ana")
    page.fill("#issue-card-message", "Happy birthday!")
    page.click("#issue-card-submit")
    expect(page.locator("#issued-card-code")).to_have_text(_CODE)
    expect(page.locator("#issued-card-email")).to_contain_text(recipient)
    return page.locator("#issued-card-code").inner_text().strip()


def test_the_emailed_link_opens_the_card_page_and_its_qr_code_is_that_link(
    app_server, make_operator, new_context, smtp_inbox
):
    operator = make_operator()
    recipient = f"robin-{uuid.uuid4().hex[:8]}@example.com"
    page = new_context().new_page()
    log_in(page, operator.email, operator.password)
    page.click("#nav-cards")
    wait_for_path(page, "/cards")
    wait_ready(page)
    code = issue_with_email(page, "50.00", recipient)

    deliver_outbox(app_server, smtp_inbox)
    deliver_outbox(app_server, smtp_inbox)  # a second pass sends nothing more

    [message] = smtp_inbox.to(recipient)
    assert message["Subject"] == "Ana sent you a $50.00 CAD gift card"
    assert code in message.get_body(("plain",)).get_content()
    link, qr_png = link_and_qr(message)
    assert link.startswith(app_server.base_url + "/c/")
    assert decode_qr(qr_png) == [link]

    phone = new_context(viewport=PHONE).new_page()
    phone.goto(link)
    expect(phone.locator("#card-page-balance")).to_have_text("$50.00 CAD")
    expect(phone.locator("#card-page-status")).to_have_text("active")
    expect(phone.locator("#card-page-operator")).to_have_text(operator.name)
    expect(phone.locator("#card-page-code")).to_contain_text(code[-4:])
    assert code not in phone.content()
    qr_image = phone.locator("#card-page-qr")
    expect(qr_image).to_be_visible()
    phone.wait_for_function("document.querySelector('#card-page-qr').naturalWidth > 0")
    shown = qr_image.get_attribute("src")
    assert decode_qr(base64.b64decode(shown.removeprefix("data:image/png;base64,"))) == [link]
    served = phone.request.get(link + "/qr.png")  # the same image as a plain PNG address
    assert served.status == 200 and served.headers["content-type"] == "image/png"
    assert decode_qr(served.body()) == [link]

    # The Outbox screen shows the message as sent.
    page.click("#issued-card-done")
    page.click("#nav-outbox")
    wait_for_path(page, "/outbox")
    wait_ready(page)
    row = page.locator(".outbox-row", has_text=recipient)
    expect(row).to_have_count(1)
    message_id = row.get_attribute("id").removeprefix("outbox-row-")
    expect(page.locator(f"#outbox-status-{message_id}")).to_have_text("sent")
    row.click()
    expect(page.locator("#outbox-view")).to_contain_text("Ana sent you a $50.00 CAD gift card")
    expect(page.frame_locator("#outbox-view-html").locator("body")).to_contain_text(f"••••-••••-••••-{code[-4:]}")


def test_a_rotated_link_stops_working_and_the_resent_email_carries_the_new_one(
    app_server, make_operator, new_context, smtp_inbox
):
    operator = make_operator()
    recipient = f"sam-{uuid.uuid4().hex[:8]}@example.com"
    page = new_context().new_page()
    log_in(page, operator.email, operator.password)
    open_page(page, "/cards")
    issue_with_email(page, "20", recipient)
    page.click("#issued-card-open")
    expect(page.locator("#card-balance")).to_have_text("$20.00 CAD")
    wait_ready(page)
    deliver_outbox(app_server, smtp_inbox)
    [first] = smtp_inbox.to(recipient)
    old_link, _ = link_and_qr(first)

    page.click("#card-rotate-link")
    page.click("#card-rotate-link-confirm")
    expect(page.locator("#card-email-message")).to_contain_text("old link and its QR code no longer work")
    page.click("#card-resend-email")
    page.click("#card-resend-email-confirm")
    expect(page.locator("#card-email-message")).to_contain_text(f"Email to {recipient} queued")
    deliver_outbox(app_server, smtp_inbox)

    phone = new_context(viewport=PHONE).new_page()
    phone.goto(old_link)
    expect(phone.locator("#card-page-invalid")).to_have_text(
        "This card link is not valid anymore; ask the sender for a new one."
    )
    assert phone.request.get(old_link + "/qr.png").status == 404
    first_again, resent = smtp_inbox.to(recipient)
    new_link, new_qr = link_and_qr(resent)
    assert new_link != old_link and decode_qr(new_qr) == [new_link]
    phone.goto(new_link)
    expect(phone.locator("#card-page-balance")).to_have_text("$20.00 CAD")
