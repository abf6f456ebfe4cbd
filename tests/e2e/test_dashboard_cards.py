"""The operator dashboard in Chromium: sign-up, issuing, search, top-up, logout,
login errors, tenancy between operators, and input errors."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.support.browser import PASSWORD, log_in, open_page, path_of, wait_for_path, wait_ready

pytestmark = pytest.mark.e2e

_CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$")


def _issue_through_dialog(page, amount: str) -> str:
    """Issue a card from the Cards screen; returns the code shown once."""
    page.click("#issue-card-open")
    page.fill("#issue-card-amount", amount)
    page.click("#issue-card-submit")
    code = page.locator("#issued-card-code")
    expect(code).to_have_text(_CODE)
    text = code.inner_text().strip()
    page.click("#issued-card-done")
    expect(page.locator("#issued-card-code")).to_have_count(0)
    return text


def test_sign_up_issue_search_top_up_and_log_out(page):
    tag = uuid.uuid4().hex[:8]
    email = f"signup-{tag}@example.com"

    # Sign up: lands on the Activity screen, signed in.
    open_page(page, "/signup")
    page.fill("#signup-operator-name", f"Riverside Merchants {tag}")
    page.fill("#signup-user-name", "Dana Owner")
    page.fill("#signup-email", email)
    page.fill("#signup-password", PASSWORD)
    page.click("#signup-submit")
    wait_for_path(page, "/dashboard")
    expect(page.locator("#operator-name")).to_have_text(f"Riverside Merchants {tag}")
    expect(page.locator("#user-email")).to_have_text(email)
    expect(page.locator("#activity-empty")).to_be_visible()

    # Issue two cards from the Cards screen (the second one makes the search mean something).
    page.click("#nav-cards")
    wait_for_path(page, "/cards")
    expect(page.locator("#cards-empty")).to_be_visible()
    wait_ready(page)
    code = _issue_through_dialog(page, "50.00")
    other = _issue_through_dialog(page, "15")
    last4, other_last4 = code[-4:], other[-4:]
    assert last4 != other_last4, "two fresh codes share their last 4 (one chance in a million): rerun"
    expect(page.locator(".card-row")).to_have_count(2)
    expect(page.locator(f"#card-row-balance-{last4}")).to_have_text("$50.00 CAD")

    # Find it by its last 4.
    page.fill("#cards-search", last4)
    page.click("#cards-search-submit")
    expect(page.locator(".card-row")).to_have_count(1)
    expect(page.locator(f"#card-link-{last4}")).to_be_visible()
    expect(page.locator(f"#card-link-{other_last4}")).to_have_count(0)

    # Open it: the issue row only.
    page.click(f"#card-link-{last4}")
    wait_for_path(page, "/cards/")  # any card id
    expect(page.locator("#card-last4")).to_contain_text(last4)
    expect(page.locator("#card-balance")).to_have_text("$50.00 CAD")
    expect(page.locator(".ledger-row")).to_have_count(1)
    wait_ready(page)

    # Top up $20: exactly two ledger rows, newest first.
    page.fill("#topup-amount", "20")
    page.click("#topup-submit")
    expect(page.locator("#card-action-message")).to_have_text("Added $20.00 CAD.")
    expect(page.locator("#card-balance")).to_have_text("$70.00 CAD")
    rows = page.locator(".ledger-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".ledger-kind")).to_have_text("Top-up")
    expect(rows.nth(0).locator(".ledger-amount")).to_have_text("$20.00 CAD")
    expect(rows.nth(0).locator(".ledger-balance-after")).to_have_text("$70.00 CAD")
    expect(rows.nth(1).locator(".ledger-kind")).to_have_text("Issued")
    expect(rows.nth(1).locator(".ledger-amount")).to_have_text("$50.00 CAD")
    expect(rows.nth(1).locator(".ledger-balance-after")).to_have_text("$50.00 CAD")
    expect(page.locator("#topup-amount")).to_have_value("")
    card_path = path_of(page)

    # The same card after a full reload: still two rows (the top-up was not repeated).
    open_page(page, card_path)
    expect(page.locator("#card-balance")).to_have_text("$70.00 CAD")
    expect(page.locator(".ledger-row")).to_have_count(2)

    # Log out: the dashboard is closed, whatever the URL.
    page.click("#logout-button")
    wait_for_path(page, "/login")
    expect(page.locator("#login-submit")).to_be_visible()
    for closed in ("/cards", "/dashboard", card_path):
        page.goto(closed)
        wait_for_path(page, "/login")
        expect(page.locator("#login-submit")).to_be_visible()
        expect(page.locator("#operator-name")).to_have_count(0)
        expect(page.locator("#card-balance")).to_have_count(0)


def test_wrong_password_and_unknown_email_get_the_same_message(page, make_operator):
    owner = make_operator()
    messages = []
    for email, password in ((owner.email, "not-the-password-123"), (f"nobody-{uuid.uuid4().hex[:8]}@example.com", PASSWORD)):
        open_page(page, "/login")
        expect(page.locator("#login-error")).to_have_count(0)
        page.fill("#login-email", email)
        page.fill("#login-password", password)
        page.click("#login-submit")
        error = page.locator("#login-error")
        expect(error).to_be_visible()
        messages.append(error.inner_text().strip())
        assert path_of(page) == "/login"
        assert password not in page.url
    assert messages[0] == messages[1] == "Email or password is incorrect."

    # The right password still works afterwards.
    log_in(page, owner.email, owner.password)
    expect(page.locator("#operator-name")).to_have_text(owner.name)


def test_another_operators_card_is_not_found_and_not_listed(new_context, make_operator, issue_card):
    operator_a, operator_b = make_operator(), make_operator()
    card_a = issue_card(operator_a.operator_id, 4321)  # $43.21: easy to spot anywhere
    card_b = issue_card(operator_b.operator_id, 1000)

    # A sees its own card (so the URL is right).
    page_a = new_context().new_page()
    log_in(page_a, operator_a.email, operator_a.password)
    open_page(page_a, f"/cards/{card_a['card_id']}")
    expect(page_a.locator("#card-balance")).to_have_text("$43.21 CAD")

    # B, on another device, opens A's card URL: not found, nothing of A's card.
    page_b = new_context().new_page()
    log_in(page_b, operator_b.email, operator_b.password)
    open_page(page_b, f"/cards/{card_a['card_id']}")
    expect(page_b.locator("#card-not-found")).to_be_visible()
    expect(page_b.locator("#card-balance")).to_have_count(0)
    expect(page_b.locator(".ledger-row")).to_have_count(0)
    body = page_b.locator("body").inner_text()
    assert "43.21" not in body and card_a["last4"] not in body

    # B's list shows B's card and not A's, also when searching A's last 4.
    open_page(page_b, "/cards")
    expect(page_b.locator(f"#card-row-{card_b['card_id']}")).to_be_visible()
    expect(page_b.locator(".card-row")).to_have_count(1)
    expect(page_b.locator(f"#card-row-{card_a['card_id']}")).to_have_count(0)
    page_b.fill("#cards-search", card_a["last4"])
    page_b.click("#cards-search-submit")
    expect(page_b.locator("#cards-empty")).to_be_visible()
    expect(page_b.locator(f"#card-row-{card_a['card_id']}")).to_have_count(0)
    assert "43.21" not in page_b.locator("body").inner_text()

    # A's card is untouched and B's Activity screen knows nothing of it.
    open_page(page_b, "/dashboard")
    expect(page_b.locator("#figure-outstanding")).to_have_text("$10.00 CAD")
    expect(page_b.locator(".activity-row")).to_have_count(1)


def test_bad_amounts_are_refused_beside_the_form_and_a_double_click_issues_one_card(page, make_operator):
    owner = make_operator()
    log_in(page, owner.email, owner.password)
    open_page(page, "/cards")
    expect(page.locator("#cards-empty")).to_be_visible()

    page.click("#issue-card-open")
    for bad in ("abc", "0"):
        page.fill("#issue-card-amount", bad)
        page.click("#issue-card-submit")
        error = page.locator("#issue-card-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("amount" if bad == "abc" else "more than zero")
        # The error sits in the dialog, with the form still there to correct it.
        expect(page.locator("[role=dialog] #issue-card-error")).to_be_visible()
        expect(page.locator("#issue-card-amount")).to_have_value(bad)
        expect(page.get_by_label("Amount ($)")).to_have_value(bad)  # the label names its field
        expect(page.locator("#issued-card-code")).to_have_count(0)
    page.click("#issue-card-cancel")
    expect(page.locator("[role=dialog]")).to_have_count(0)
    expect(page.locator("#cards-empty")).to_be_visible()
    open_page(page, "/cards")
    expect(page.locator("#cards-empty")).to_be_visible()
    open_page(page, "/dashboard")
    expect(page.locator("#figure-active-cards")).to_have_text("0")

    # A double click on Issue issues one card.
    open_page(page, "/cards")
    page.click("#issue-card-open")
    expect(page.locator("#issue-card-error")).to_have_count(0)  # a fresh form
    page.fill("#issue-card-amount", "25")
    page.dblclick("#issue-card-submit")
    expect(page.locator("#issued-card-code")).to_have_text(_CODE)
    page.click("#issued-card-done")
    expect(page.locator(".card-row")).to_have_count(1)
    open_page(page, "/cards")
    expect(page.locator(".card-row")).to_have_count(1)
    open_page(page, "/dashboard")
    expect(page.locator("#figure-active-cards")).to_have_text("1")
    expect(page.locator("#figure-outstanding")).to_have_text("$25.00 CAD")
