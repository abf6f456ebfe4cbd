"""Printable cards in Chromium: an owner prints a run of cards from the Cards screen and
downloads its PDF sheets and CSV, downloads one card's printable PDF from its screen and
from the recipient's card page, and issues a card whose email carries the PDF."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import deliver_outbox, log_in, open_page, wait_for_path, wait_ready
from tests.support.pdfs import pdf_page_count, pdf_qr_codes, pdf_text, save_first_page

pytestmark = pytest.mark.e2e

# Renderings of the PDFs for a person to look at (gitignored, like the other screenshots).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "printable-cards"
_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


def _download(page, selector: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    return info.value.suggested_filename, Path(info.value.path()).read_bytes()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_an_owner_prints_a_run_of_cards_and_downloads_its_sheets_its_csv_and_one_cards_pdf(
        app_server, make_operator, new_context):
    operator = make_operator()
    page = new_context().new_page()
    log_in(page, operator.email, operator.password)
    page.click("#nav-cards")
    wait_for_path(page, "/cards")
    wait_ready(page)

    # A refused run names what is wrong and makes nothing.
    page.click("#print-run-open")
    page.fill("#print-run-count", "20000")
    page.fill("#print-run-amount", "25")
    page.click("#print-run-submit")
    expect(page.locator("#print-run-error")).to_contain_text("1 to 10,000")

    page.fill("#print-run-count", "10")
    page.click("#print-run-submit")
    expect(page.locator("#print-run-created")).to_contain_text("10 cards of $25.00 CAD")
    name, data = _download(page, "#print-run-download-csv")
    assert name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert len(rows) == 10 and all(_CODE.match(row["code"]) and row["amount_cents"] == "2500" for row in rows)
    name, sheets = _download(page, "#print-run-download-pdf")
    assert name.endswith(".pdf") and pdf_page_count(sheets) == 2
    assert all(row["code"] in pdf_text(sheets) for row in rows)
    assert sorted(pdf_qr_codes(sheets, pages=1)) == sorted(row["card_link"] for row in rows[:8])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    save_first_page(sheets, SCREENSHOTS / "print-run-sheet.png")
    expect(page.locator("#print-runs")).to_contain_text("10 cards")
    expect(page.locator(".card-row")).to_have_count(10)  # the list behind the dialog shows the new cards
    page.click("#print-run-close")

    # One card of the run: its printable PDF from its own screen, with the code (an owner).
    first = rows[0]
    open_page(page, f"/cards/{first['card_id']}")
    expect(page.locator("#card-balance")).to_have_text("$25.00 CAD")
    name, card_pdf = _download(page, "#card-download-pdf")
    assert name == f"gift-card-{first['last4']}.pdf"
    text = _one_line(pdf_text(card_pdf))
    assert first["code"] in text and "$25.00 CAD" in text
    assert pdf_qr_codes(card_pdf) == [first["card_link"]]
    save_first_page(card_pdf, SCREENSHOTS / "card.png")

    # The card page (the QR code's link) offers it too, the code masked as on the page.
    holder = new_context().new_page()
    holder.goto(first["card_link"])
    expect(holder.locator("#card-page-balance")).to_have_text("$25.00 CAD")
    name, public_pdf = _download(holder, "#card-page-download-pdf")
    text = _one_line(pdf_text(public_pdf))
    assert first["code"] not in text and first["last4"] in text and "$25.00 CAD" in text


def test_a_card_issued_with_the_pdf_option_emails_the_printable_card(
        app_server, make_operator, new_context, smtp_inbox):
    operator = make_operator()
    recipient = f"robin-{uuid.uuid4().hex[:8]}@example.com"
    page = new_context().new_page()
    log_in(page, operator.email, operator.password)
    page.click("#nav-cards")
    wait_for_path(page, "/cards")
    wait_ready(page)

    page.click("#issue-card-open")
    page.fill("#issue-card-amount", "40")
    page.fill("#issue-card-recipient-email", recipient)
    page.fill("#issue-card-recipient-name", "Robin")
    page.click("#issue-card-attach-pdf")
    page.click("#issue-card-submit")
    expect(page.locator("#issued-card-code")).to_have_text(_CODE)
    code = page.locator("#issued-card-code").inner_text().strip()
    deliver_outbox(app_server, smtp_inbox)

    [message] = smtp_inbox.to(recipient)
    attached = [part for part in message.walk() if part.get_content_disposition() == "attachment"]
    assert [part.get_filename() for part in attached] == [f"gift-card-{code[-4:]}.pdf"]
    text = _one_line(pdf_text(attached[0].get_content()))
    assert code in text and "$40.00 CAD" in text and "For Robin" in text
