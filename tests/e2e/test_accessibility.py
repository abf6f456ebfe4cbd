"""Every screen passes axe-core (tests/support/axe.py) with no `serious` or `critical` violation:

- signed out: the front page `/`, `/login`, `/signup`, `/pos-partners`;
- an owner's dashboard: Activity, Cards, a card, Locations, a location, Settings, Settlements,
  Reports, Reconciliation, Team, Audit trail, Developers, Outbox, Shop and widget, Orders;
- the counter (`/redeem`) on an activated device: idle, then with a card open at a location that
  sells items (its -/+ buttons);
- the public shop `/shop/<slug>` (with a card in the cart), the widget `/embed/<slug>` and the
  recipient's card page `/c/<token>`.

Each test visits its screens, collects what axe finds on each, and fails once at the end with
every violation's id, impact and the nodes it was found on.
"""

from __future__ import annotations

import uuid

from tests.support.axe import describe, serious_or_worse
from tests.support.browser import activate_device, app_python, log_in, make_location, open_card, open_page

DESKTOP = {"width": 1280, "height": 900}


def _check(page, where: str, found: dict[str, list[dict]]) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # the last state updates paint
    blocking = serious_or_worse(page)
    if blocking:
        found[where] = blocking


def _assert_none(found: dict[str, list[dict]]) -> None:
    report = "\n".join(describe(violations, where) for where, violations in found.items())
    assert not found, f"axe-core found serious or critical violations on {len(found)} screen(s):\n{report}"


def _slug(app_server, operator_id: int) -> str:
    return app_python(app_server, f"""
import json
from app.db import read_session
from app.models import Operator
with read_session() as session:
    print(json.dumps({{"slug": session.get(Operator, {operator_id}).slug}}))
""")["slug"]


def _card_link_token(app_server, operator_id: int, card_id: int) -> str:
    return app_python(app_server, f"""
import json
from app.services.core.actor import Actor
from app.services.money.card_emails import rotate_card_link
print(json.dumps({{"token": rotate_card_link(Actor({operator_id}, channel="system"), {card_id})}}))
""")["token"]


def test_the_signed_out_screens_pass_axe(new_context):
    page = new_context(DESKTOP).new_page()
    found: dict[str, list[dict]] = {}
    for path in ("/", "/login", "/signup", "/pos-partners"):
        open_page(page, path)
        _check(page, path, found)
    _assert_none(found)


def test_every_dashboard_screen_of_an_owner_passes_axe(new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    card = issue_card(owner.operator_id, 5000)
    location = make_location(app_server, owner.operator_id, f"Axe Bakery {uuid.uuid4().hex[:6]}", "amount")
    page = new_context(DESKTOP).new_page()
    log_in(page, owner.email, owner.password)
    found: dict[str, list[dict]] = {}
    _check(page, "/dashboard", found)
    for path in ("/cards", f"/cards/{card['card_id']}", "/locations", f"/locations/{location['location_id']}",
                 "/settings", "/settlements", "/reports", "/reconciliation", "/team", "/audit", "/developers",
                 "/outbox", "/widget", "/orders"):
        open_page(page, path)
        _check(page, path, found)
    _assert_none(found)


def test_the_counter_passes_axe_idle_and_with_a_card_open(new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    card = issue_card(owner.operator_id, 5000)
    tag = uuid.uuid4().hex[:6]
    location = make_location(app_server, owner.operator_id, f"Axe Deli {tag}", "items",
                             items=[("Coffee", 350, f"COF-{tag}"), ("Bagel", 425, f"BAG-{tag}")])
    page, _code = activate_device(new_context, location["activation_url"], "Front till")
    found: dict[str, list[dict]] = {}
    _check(page, "/redeem (idle)", found)
    open_card(page, card["code"])
    page.locator(f"#item-plus-i{location['item_ids'][0]}").wait_for()
    _check(page, "/redeem (a card open, items)", found)
    _assert_none(found)


def test_the_shop_the_widget_and_the_card_page_pass_axe(new_context, make_operator, issue_card, app_server):
    owner = make_operator()
    slug = _slug(app_server, owner.operator_id)
    card = issue_card(owner.operator_id, 2500)
    token = _card_link_token(app_server, owner.operator_id, card["card_id"])
    page = new_context(DESKTOP).new_page()
    found: dict[str, list[dict]] = {}
    open_page(page, f"/shop/{slug}")
    _check(page, f"/shop/{slug}", found)
    page.locator("#add-card").click()
    _check(page, f"/shop/{slug} (two cards in the cart)", found)
    open_page(page, f"/embed/{slug}")
    _check(page, f"/embed/{slug}", found)
    page.goto(f"/c/{token}")  # the card page has no #page-ready marker: its balance shows once it is loaded
    page.locator("#card-page-operator").wait_for()
    _check(page, "/c/<token>", found)
    _assert_none(found)
