"""Team and roles in Chromium: an owner invites a staff member from /team, the invitation
email lands in the outbox, its link opens /join where the staff member sets a name and a
password and is signed in. Staff see no Shop, Settlements, Developers, Audit, Team or
Settings in the navigation, and typing those addresses shows the owners-only notice, not
the screen. The owner sees the new member with their last sign-in; a used link says so;
removing the member signs them out at their next click.

Screenshots at tablet size land in screenshots/ (gitignored) for review."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.browser import TABLET_PORTRAIT, log_in, open_page, wait_for_path

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
STAFF_PASSWORD = "staff-password-long-enough"
OWNER_ONLY = {  # address -> an element of the screen that staff must not get
    "/settings": "#settings-save",
    "/developers": "#api-key-create",
    "/settlements": "#payouts-empty",
    "/team": "#team-invite-submit",
    "/audit": "#audit-export",
    "/widget": "#widget-settings-save",
}
HIDDEN_NAV = ["nav-settings", "nav-developers", "nav-settlements", "nav-team", "nav-audit", "nav-shop"]


def shot(page, name: str, full_page: bool = False) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def join_url_from_outbox(app_server, to_address: str) -> str:
    """The link in the newest invitation email to `to_address`, as the invited person receives it."""
    code = f"""
import re
from sqlmodel import select
from app.db import read_session
from app.models import OutboxMessage
from app.services.messaging.outbox import read_email
with read_session() as session:
    message = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == {to_address!r}, OutboxMessage.kind == "team_invitation")
        .order_by(OutboxMessage.id.desc())
    ).first()
email = read_email(message)
url = re.search(r"https?://\\S+/join/\\S+", email.text_body).group(0)
assert url in email.html_body
print(url)
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=app_server.env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def invite(page, email: str) -> None:
    """From the owner's Team screen, invite `email` as staff (the default role)."""
    page.fill("#team-invite-email", email)
    expect(page.locator("#team-invite-role")).to_contain_text("Staff")
    page.click("#team-invite-submit")
    expect(page.locator("#team-message")).to_contain_text(f"Invitation sent to {email} as staff")


def test_an_invited_staff_member_joins_and_cannot_reach_settings_keys_or_payouts(new_context, make_operator, app_server):
    owner = make_operator()
    staff_email = f"staff-{uuid.uuid4().hex[:8]}@example.com"

    dashboard = new_context().new_page()
    log_in(dashboard, owner.email, owner.password)
    dashboard.click("#nav-team")
    wait_for_path(dashboard, "/team")
    expect(dashboard.locator("#team-invitations-empty")).to_be_visible()
    expect(dashboard.locator(".team-member-row")).to_have_count(1)
    invite(dashboard, staff_email)
    waiting = dashboard.locator(".team-invitation-row", has_text=staff_email)
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text("Staff")
    shot(dashboard, "team-invited", full_page=True)
    invitation_id = waiting.get_attribute("id").removeprefix("team-invitation-")
    dashboard.click(f"#team-resend-{invitation_id}")  # a new link; the first one stops working
    expect(dashboard.locator("#team-message")).to_contain_text(f"A new link was sent to {staff_email}")

    # The email is in the outbox (its link is masked on the Outbox screen, which staff can read).
    url = join_url_from_outbox(app_server, staff_email)
    token = url.rsplit("/", 1)[1]
    dashboard.click("#nav-outbox")
    wait_for_path(dashboard, "/outbox")
    dashboard.locator(".outbox-row", has_text=staff_email).first.click()  # the newest (resent) email
    dashboard.click("#outbox-view-text-tab")
    expect(dashboard.locator("#outbox-view-text")).to_contain_text("/join/••••••")
    expect(dashboard.locator("#outbox-view-text")).not_to_contain_text(token)

    # The staff member opens the link in their own browser, sets a password and is signed in.
    staff = new_context().new_page()
    open_page(staff, url.replace(app_server.base_url, ""))
    expect(staff.locator("#join-email")).to_have_text(staff_email)
    expect(staff.locator("#join-role")).to_have_text("Staff")
    staff.fill("#join-name", "Sam Staff")
    staff.fill("#join-password", STAFF_PASSWORD)
    staff.fill("#join-password-again", "not the same password")
    staff.click("#join-submit")
    expect(staff.locator("#join-error")).to_have_text("The two passwords are not the same.")
    shot(staff, "team-join-form")
    staff.fill("#join-password-again", STAFF_PASSWORD)
    staff.click("#join-submit")
    wait_for_path(staff, "/dashboard")
    expect(staff.locator("#user-email")).to_have_text(staff_email)

    # Staff's navigation: the day-to-day screens, none of the owners' ones.
    expect(staff.locator("#nav-cards")).to_be_visible()
    expect(staff.locator("#nav-locations")).to_be_visible()
    for nav_id in HIDDEN_NAV:
        expect(staff.locator(f"#{nav_id}")).to_have_count(0)
    shot(staff, "team-staff-nav")

    # Typing an owners-only address shows the notice, never the screen.
    for path, screen_element in OWNER_ONLY.items():
        open_page(staff, path)
        expect(staff.locator("#owners-only")).to_be_visible()
        expect(staff.locator("#owners-only")).to_contain_text(owner.name)
        expect(staff.locator(screen_element)).to_have_count(0)
    shot(staff, "team-owners-only")
    staff.set_viewport_size(TABLET_PORTRAIT)
    shot(staff, "team-owners-only-portrait")

    # The owner sees the new member, signed in just now; the invitation is no longer waiting.
    open_page(dashboard, "/team")
    member = dashboard.locator(".team-member-row", has_text=staff_email)
    expect(member).to_have_count(1)
    member_id = member.get_attribute("id").removeprefix("team-member-")
    expect(dashboard.locator(f"#team-member-role-{member_id}")).to_have_text("Staff")
    expect(dashboard.locator(f"#team-member-last-sign-in-{member_id}")).not_to_have_text("Never")
    expect(dashboard.locator("#team-invitations-empty")).to_be_visible()
    shot(dashboard, "team-members", full_page=True)
    dashboard.set_viewport_size(TABLET_PORTRAIT)
    shot(dashboard, "team-members-portrait", full_page=True)

    # The link worked once.
    again = new_context().new_page()
    open_page(again, url.replace(app_server.base_url, ""))
    expect(again.locator("#join-refused")).to_contain_text("already been used")


def test_a_removed_member_is_signed_out_at_their_next_click(new_context, make_operator, app_server):
    owner = make_operator()
    staff_email = f"staff-{uuid.uuid4().hex[:8]}@example.com"
    dashboard = new_context().new_page()
    log_in(dashboard, owner.email, owner.password)
    open_page(dashboard, "/team")
    invite(dashboard, staff_email)

    staff = new_context().new_page()
    open_page(staff, join_url_from_outbox(app_server, staff_email).replace(app_server.base_url, ""))
    staff.fill("#join-name", "Sam Staff")
    staff.fill("#join-password", STAFF_PASSWORD)
    staff.fill("#join-password-again", STAFF_PASSWORD)
    staff.click("#join-submit")
    wait_for_path(staff, "/dashboard")

    open_page(dashboard, "/team")
    member = dashboard.locator(".team-member-row", has_text=staff_email)
    member_id = member.get_attribute("id").removeprefix("team-member-")
    dashboard.click(f"#team-remove-{member_id}")
    expect(dashboard.locator("#team-remove-dialog")).to_contain_text(staff_email)
    shot(dashboard, "team-remove-dialog")
    dashboard.click("#team-remove-confirm")
    expect(dashboard.locator("#team-message")).to_contain_text(f"{staff_email} was removed")
    expect(dashboard.locator(".team-member-row", has_text=staff_email)).to_have_count(0)

    staff.click("#nav-cards")
    wait_for_path(staff, "/login")
    staff.fill("#login-email", staff_email)
    staff.fill("#login-password", STAFF_PASSWORD)
    staff.click("#login-submit")
    expect(staff.locator("#login-error")).to_have_text("Email or password is incorrect.")
