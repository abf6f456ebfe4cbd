"""Tablet layouts: every main screen at 1024x768 and 768x1024, screenshotted into
screenshots/ (gitignored) for a human to look at, and checked for what a human
would notice: nothing wider than the screen, tap targets of at least 40 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import TABLET_LANDSCAPE, TABLET_PORTRAIT, log_in, open_page

pytestmark = pytest.mark.e2e

MIN_TARGET_PX = 40
SHOTS = Path(__file__).resolve().parents[2] / "screenshots"

# Every element a finger uses on these screens: buttons, inputs, selects, row links, nav.
TARGETS = ", ".join(
    (
        "button", "input:not([type=hidden])", "textarea", "[role=combobox]", "a[id^=nav-]", "a[id^=card-link-]",
        "a.activity-card-link", "#card-back", "#card-not-found-back", "#signup-link", "#login-link",
    )
)


def _overflow(page) -> list[str]:
    """Elements that stick out of the viewport horizontally (none allowed)."""
    return page.evaluate(
        """() => {
        const width = document.documentElement.clientWidth;
        const out = [];
        if (document.documentElement.scrollWidth > width + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            const style = getComputedStyle(el);
            if (style.visibility === 'hidden' || style.position === 'fixed') continue;
            if (r.right > width + 1 && !el.closest('[data-overflow-ok]')) {
                out.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}.${[...el.classList].slice(0, 2).join('.')} right=${Math.round(r.right)}`);
            }
        }
        return out.slice(0, 10);
    }"""
    )


def _small_targets(page) -> list[str]:
    """Visible tap targets shorter than MIN_TARGET_PX (what is under an open dialog does not count;
    a control inside a label is as tall as its label)."""
    return page.evaluate(
        """([selector, minimum]) => {
        const small = [];
        for (const el of document.querySelectorAll(selector)) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0 || el.closest('[aria-hidden="true"], [hidden]')) continue;
            if (getComputedStyle(el).visibility === 'hidden') continue;
            // A control inside its label: the finger's target is the whole label (the nearest may be the
            // control's own small wrapper: any label around it counts).
            let tall = false;
            for (let up = el.closest('label'); up && !tall; up = up.parentElement && up.parentElement.closest('label')) {
                tall = up.getBoundingClientRect().height >= minimum - 0.5;
            }
            if (tall) continue;
            if (r.height < minimum - 0.5) {
                const label = el.id || el.getAttribute('name') || el.textContent.trim().slice(0, 30);
                small.push(`${label}: ${Math.round(r.width)}x${Math.round(r.height)}`);
            }
        }
        return small;
    }""",
        [TARGETS, MIN_TARGET_PX],
    )


def _check(page, name: str, size: str, problems: list[str]) -> None:
    folder = SHOTS / size
    folder.mkdir(parents=True, exist_ok=True)
    # Dialogs zoom in: measure (and photograph) once every animation has finished.
    page.wait_for_function(
        "document.getAnimations().every(a => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)"
    )
    page.screenshot(path=str(folder / f"{name}.png"))
    if page.evaluate("document.documentElement.scrollHeight > window.innerHeight + 1"):
        page.screenshot(path=str(folder / f"{name}-full.png"), full_page=True)
    for overflow in _overflow(page):
        problems.append(f"{size} {name}: overflows: {overflow}")
    for target in _small_targets(page):
        problems.append(f"{size} {name}: target smaller than {MIN_TARGET_PX}px: {target}")


@pytest.mark.parametrize("viewport", [TABLET_LANDSCAPE, TABLET_PORTRAIT], ids=["1024x768", "768x1024"])
def test_tablet_screens(viewport, new_context, make_operator, issue_card):
    size = f"{viewport['width']}x{viewport['height']}"
    problems: list[str] = []
    owner = make_operator(name="Downtown Kingston Business Association")
    cards = [issue_card(owner.operator_id, cents) for cents in (2500, 5000, 10000, 7550)]
    page = new_context(viewport=viewport).new_page()

    # Login: the empty form, then the error state.
    open_page(page, "/login")
    _check(page, "login", size, problems)
    page.fill("#login-email", owner.email)
    page.fill("#login-password", "wrong password, surely")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_be_visible()
    _check(page, "login-error", size, problems)

    log_in(page, owner.email, owner.password)
    expect(page.locator(".activity-row")).to_have_count(len(cards))
    _check(page, "activity", size, problems)

    open_page(page, "/cards")
    expect(page.locator(".card-row")).to_have_count(len(cards))
    _check(page, "cards", size, problems)

    page.click("#issue-card-open")
    page.fill("#issue-card-amount", "abc")
    page.click("#issue-card-submit")
    expect(page.locator("#issue-card-error")).to_be_visible()
    _check(page, "cards-issue-error", size, problems)
    page.fill("#issue-card-amount", "40")
    page.click("#issue-card-submit")
    expect(page.locator("#issued-card-code")).to_be_visible()
    _check(page, "cards-issued", size, problems)
    page.click("#issued-card-done")
    expect(page.get_by_role("dialog")).to_have_count(0)  # closed: its focus trap no longer holds the page

    page.fill("#cards-search", "ZZZZ")
    page.click("#cards-search-submit")
    expect(page.locator("#cards-empty")).to_be_visible()
    _check(page, "cards-search-empty", size, problems)

    open_page(page, f"/cards/{cards[1]['card_id']}")
    expect(page.locator("#card-balance")).to_have_text("$50.00 CAD")
    page.fill("#topup-amount", "12.50")
    page.click("#topup-submit")
    expect(page.locator(".ledger-row")).to_have_count(2)
    _check(page, "card-detail", size, problems)
    page.fill("#topup-amount", "twelve")
    page.click("#topup-submit")
    expect(page.locator("#card-action-error")).to_be_visible()
    _check(page, "card-detail-error", size, problems)

    open_page(page, "/cards/999999")
    expect(page.locator("#card-not-found")).to_be_visible()
    _check(page, "card-not-found", size, problems)

    # A new network: the empty states.
    newcomer = make_operator()
    fresh = new_context(viewport=viewport).new_page()
    log_in(fresh, newcomer.email, newcomer.password)
    expect(fresh.locator("#activity-empty")).to_be_visible()
    _check(fresh, "activity-empty", size, problems)
    open_page(fresh, "/cards")
    expect(fresh.locator("#cards-empty")).to_be_visible()
    _check(fresh, "cards-empty", size, problems)

    assert not problems, "\n".join(problems)
