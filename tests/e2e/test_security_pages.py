"""The dashboard side of the security sweep (the API side is tests/security/test_security_sweep.py).

- Every page the Reflex app registers (read from `app.app`, so a new page is swept as
  soon as it exists; a page without an entry below fails the sweep) is opened in a
  browser without a session: a dashboard page lands on /login and no byte of the
  operator's data reaches the browser, neither in the page nor in any websocket frame.
  Public pages say why they are public and show nothing of the operator either.
- A revoked device opening the counter screen is told so and gets no data.
- Security headers over real HTTP on the single port: pages, static files and the API
  refuse to be framed, except the shop widget (/embed/<slug>, /embed.js); the shop pages
  name the script and frame origins they allow; and in Chromium
  a dashboard page inside an iframe on another origin does not render while /embed does.
- Link guessing on the screens: the card page and the activation page say "try again in"
  once an address opened too many unknown links.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.support.browser import PASSWORD, as_device, log_in, open_page, path_of, wait_for_path, wait_ready

ROOT = Path(__file__).resolve().parents[2]
# Pages anyone may open, and why. Every other page is a dashboard page: sign-in required.
PUBLIC_PAGES = {
    "/": "what Giftnet is, beside the sign-in form (the dashboard when signed in)",
    "/login": "the sign-in form",
    "/signup": "creating a new network",
    "/c/[link_token]": "a recipient's card page: the link token is the credential (guessing is rate limited)",
    "/activate/[activation_token]": "a device's activation: the emailed link is the credential (rate limited)",
    "/redeem": "the counter screen: the device secret in this browser is the credential",
    "/join/[join_token]": "a team invitation: the emailed link is the credential (rate limited)",
    "/pos-partners": "which POS systems work with a network and what each needs: nothing of any operator on it",
    "/shop": "what a shop is (a signed-in person's own shop and, for an owner, the Shop and widget screen)",
    "/shop/[slug]": "the operator's public gift-card shop",
    "/embed/[slug]": "the same shop inside the widget's iframe on the operator's site",
}
# Pages without the `#page-ready` marker: what shows once their on_load ran (for an unknown token).
LOADED = {"/c/": "#card-page-invalid, #card-page-limited", "/join/": "#join-refused"}
SHOP_PAGES = {"/shop/[slug]", "/embed/[slug]"}  # they show the operator's name on purpose
FRAMEABLE = ("/embed/", "/embed.js")

_SETUP = r"""
import json, sys
from sqlmodel import select
from app.services.access import api_keys, team
from app.services.network import devices, locations
from app.services.core.actor import Actor
from app.db import read_session
from app.models import Operator, User
operator_id, tag, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with read_session() as session:
    owner = session.exec(select(User).where(User.operator_id == operator_id)).first()
actor = Actor(operator_id, user_id=owner.id)
key = api_keys.create_api_key(operator_id, f"Owner Secret Key {tag}", user_id=owner.id)
joined = team.invite(actor, f"staff-{tag}@example.com", "staff")
team.accept(joined.token, "Sam Staff", password)
team.invite(actor, f"pending-{tag}@example.com", "staff")
location = locations.create_location(actor, {"name": f"Secret Books {tag}", "email": f"secret-books-{tag}@example.com"})
link = devices.create_activation_link(actor, location.id)
device = devices.activate_device(link.token, "Stolen tablet")
devices.revoke_device(actor, device.device.id)
counter = devices.activate_device(devices.create_activation_link(actor, location.id).token, "Front counter")
with read_session() as session:
    slug = session.get(Operator, operator_id).slug
print(json.dumps({"location_id": location.id, "revoked_secret": device.secret, "slug": slug,
                  "staff_email": f"staff-{tag}@example.com", "key_prefix": key.api_key.prefix,
                  "device_secret": counter.secret}))
"""


def _app_python(app_server, code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=app_server.env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def registered_routes() -> list[str]:
    """The routes app/app.py registers, as '/cards/[card_id]'."""
    from app.app import app

    return sorted("/" + ("" if route == "index" else route) for route in app._unevaluated_pages)


@pytest.fixture(scope="module")
def target(app_server):
    """An operator with a card, a location and a revoked device: what a stranger must not see."""
    tag = uuid.uuid4().hex[:8]
    name = f"Secret Network {tag}"
    created = app_server.cli("create-operator", "--name", name, "--email", f"secret-{tag}@example.com",
                             "--password", PASSWORD, "--currency", "CAD")
    card = app_server.cli("issue-card", "--operator-id", str(created["operator_id"]), "--amount-cents", "61234")
    setup = _app_python(app_server, _SETUP, str(created["operator_id"]), tag, PASSWORD)
    return {
        "operator_id": created["operator_id"], "card": card, "owner_email": f"secret-{tag}@example.com", **setup,
        "markers": [name, f"Secret Books {tag}", f"secret-books-{tag}", f"secret-{tag}@example.com", "612.34", card["code"]],
        # What only owners see: an API key (Developers, Audit) and a pending invitation (Team, Audit).
        "owner_markers": [f"Owner Secret Key {tag}", setup["key_prefix"], f"pending-{tag}@example.com"],
    }


def _fill(route: str, target: dict) -> str:
    return (route.replace("[card_id]", str(target["card"]["card_id"]))
            .replace("[location_id]", str(target["location_id"]))
            .replace("[slug]", target["slug"])
            .replace("[link_token]", "not-a-card-link-" + uuid.uuid4().hex)
            .replace("[activation_token]", "not-an-activation-link-" + uuid.uuid4().hex)
            .replace("[join_token]", "not-an-invitation-" + uuid.uuid4().hex))


def _open(page, path: str) -> None:
    """Load `path` and wait until its on_load handlers have run."""
    loaded = next((selector for prefix, selector in LOADED.items() if path.startswith(prefix)), None)
    if loaded is None:
        open_page(page, path)
        return
    page.goto(path)
    page.locator(loaded).first.wait_for()


def _own_address() -> dict[str, str]:
    """Pose as a client address of this test's own (the app trusts 127.0.0.1 as its proxy), so the
    unknown links opened here do not use up the rest of the suite's link allowance."""
    number = uuid.uuid4().int
    return {"X-Forwarded-For": f"203.0.{number % 250}.{(number >> 8) % 250 + 1}"}


def _watch_frames(page) -> list[str]:
    """Every websocket frame the page receives (the state Reflex pushes to the browser)."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    return frames


def _assert_nothing_of(target: dict, text: str, where: str) -> None:
    for marker in target["markers"]:
        assert marker not in text, f"{where}: {marker!r} reached a browser without a session"


def test_every_dashboard_page_without_a_session_goes_to_sign_in_with_no_data(new_context, target):
    routes = registered_routes()
    assert "/dashboard" in routes and "/cards/[card_id]" in routes, routes  # the enumeration works
    dashboard = [route for route in routes if route not in PUBLIC_PAGES]
    assert len(dashboard) >= 10, dashboard
    page = new_context(extra_http_headers=_own_address()).new_page()
    frames = _watch_frames(page)
    for route in dashboard:
        frames.clear()
        page.goto(_fill(route, target))
        wait_for_path(page, "/login")
        wait_ready(page)
        expect(page.locator("#login-email")).to_be_visible()
        _assert_nothing_of(target, page.content(), route)
        _assert_nothing_of(target, "\n".join(frames), f"{route} (websocket)")


def test_public_pages_are_public_on_purpose_and_show_nothing_of_the_operator(new_context, target):
    routes = registered_routes()
    unknown = [route for route in routes if route in PUBLIC_PAGES and not PUBLIC_PAGES[route]]
    assert not unknown
    for route in routes:
        if route not in PUBLIC_PAGES:
            continue
        # A fresh browser for each: a tab keeps its Reflex state across loads (the shop's state,
        # public on the shop page, would come back with the next page).
        page = new_context(extra_http_headers=_own_address()).new_page()
        frames = _watch_frames(page)
        _open(page, _fill(route, target))
        if route in SHOP_PAGES:
            expect(page.locator("#test-mode-banner")).to_be_visible()  # the storefront, which names its operator
            continue
        assert path_of(page) in ("/login", path_of(page)), route
        _assert_nothing_of(target, page.content(), route)
        _assert_nothing_of(target, "\n".join(frames), f"{route} (websocket)")


def test_a_revoked_device_gets_no_counter_and_no_data(new_context, app_server, target):
    context = new_context(extra_http_headers=_own_address())
    as_device(context, app_server.base_url, target["revoked_secret"])
    page = context.new_page()
    frames = _watch_frames(page)
    open_page(page, "/redeem")
    expect(page.locator("#device-revoked")).to_contain_text("revoked")
    expect(page.locator("#redeem-code-input")).to_have_count(0)
    _assert_nothing_of(target, page.content(), "/redeem with a revoked device")
    _assert_nothing_of(target, "\n".join(frames), "/redeem with a revoked device (websocket)")
    # Even with a real card link, a revoked device is not sent to the counter: the link stays the
    # recipient's own page.
    page.goto(f"/c/{target['card']['link_token']}")
    expect(page.locator("#card-page-balance")).to_be_visible()  # shown only when on_load did not redirect
    assert path_of(page).startswith("/c/"), page.url


def test_staff_get_the_owners_only_notice_and_no_owner_data_on_owner_screens(new_context, target):
    """Every owners-only screen (app/components/layout.py's list, each a registered page), typed in
    by a staff member: the notice, and none of the screen's data in the page or the websocket."""
    from app.components.layout import OWNER_ONLY_ROUTES

    routes = registered_routes()
    assert {"/settings", "/developers", "/settlements", "/team", "/audit"} <= OWNER_ONLY_ROUTES
    assert OWNER_ONLY_ROUTES <= set(routes), OWNER_ONLY_ROUTES - set(routes)
    page = new_context(extra_http_headers=_own_address()).new_page()
    frames = _watch_frames(page)
    log_in(page, target["staff_email"], PASSWORD)
    for route in sorted(OWNER_ONLY_ROUTES):
        frames.clear()
        open_page(page, route)
        expect(page.locator("#owners-only")).to_be_visible()
        for marker in target["owner_markers"]:
            assert marker not in page.content(), f"{route}: staff see {marker!r}"
            assert marker not in "\n".join(frames), f"{route}: {marker!r} reached a staff browser"
    # The same screens do show those things to an owner: the markers are real.
    owner = new_context(extra_http_headers=_own_address()).new_page()
    log_in(owner, target["owner_email"], PASSWORD)
    open_page(owner, "/developers")
    expect(owner.locator("body")).to_contain_text(target["owner_markers"][0])
    open_page(owner, "/team")
    expect(owner.locator("body")).to_contain_text(target["owner_markers"][2])


# --------------------------------------------------------------------------- headers and framing


def _headers(url: str) -> dict[str, str]:
    """The answer's headers, whatever its status (a 404 must carry them too)."""
    return dict(httpx.get(url, timeout=30).headers)


def test_security_headers_over_http_and_framing_only_for_the_widget(app_server, target):
    base = app_server.base_url
    # The shop's pages also say where scripts and frames may come from: a sandbox shop loads
    # no gateway script, so nothing beyond what the page itself runs, and no frame.
    shop_policy = "script-src 'self' 'unsafe-inline' 'unsafe-eval'; frame-src 'none'"
    for path in ("/login", "/dashboard", "/cards", f"/shop/{target['slug']}", "/api/v1/health", "/favicon.ico",
                 "/no-such-page", "/api/v1/cards"):
        headers = _headers(base + path)
        assert headers.get("x-frame-options") == "DENY", (path, headers)
        policy = f"{shop_policy}; frame-ancestors 'none'" if path.startswith("/shop/") else "frame-ancestors 'none'"
        assert headers.get("content-security-policy") == policy, (path, headers)
        assert headers.get("x-content-type-options") == "nosniff", path
        assert headers.get("referrer-policy") == "strict-origin-when-cross-origin", path
        assert "camera=()" in headers.get("permissions-policy", ""), path
        assert "strict-transport-security" not in headers, path  # PUBLIC_URL is http here
    for path in (f"/embed/{target['slug']}", "/embed.js"):
        headers = _headers(base + path)
        assert "x-frame-options" not in headers, (path, headers)
        assert headers.get("content-security-policy") == (shop_policy if path.startswith("/embed/") else None), path
        assert headers.get("x-content-type-options") == "nosniff", path
    card_page = _headers(base + "/c/not-a-real-token")
    assert card_page.get("referrer-policy") == "no-referrer"  # the address is a credential


def test_a_dashboard_page_does_not_render_in_another_sites_iframe_but_the_widget_does(new_context, app_server, target,
                                                                                         other_origin):
    folder, origin = other_origin
    (folder / "frames.html").write_text(
        "<!doctype html><html><body><h1 id='host'>Looks like your bank</h1>"
        f"<iframe id='framed-login' src='{app_server.base_url}/login' width='600' height='400'></iframe>"
        f"<iframe id='framed-embed' src='{app_server.base_url}/embed/{target['slug']}' width='600' height='400'></iframe>"
        "</body></html>"
    )
    page = new_context().new_page()
    page.goto(origin + "/frames.html")
    embed = page.frame_locator("#framed-embed")
    embed.locator("#page-ready").wait_for(state="attached")
    expect(embed.locator("#test-mode-banner")).to_be_visible()
    # The login page's frame stays empty: Chromium refuses to render it and shows its error page.
    page.wait_for_timeout(1000)
    expect(page.frame_locator("#framed-login").locator("#login-email")).to_have_count(0)
    refused = [frame for frame in page.frames if frame != page.main_frame and "/embed/" not in frame.url]
    assert len(refused) == 1, [frame.url for frame in page.frames]
    assert refused[0].url.startswith("chrome-error://"), refused[0].url
    assert refused[0].locator("#login-email").count() == 0


# --------------------------------------------------------------------------- link guessing on screens


def test_guessing_card_activation_and_invitation_links_is_stopped_with_a_message(new_context, app_server):
    """Each screen load of an unknown token counts for this browser's address (limit 20 per 10 minutes).
    The browser poses as an address of its own (the app trusts 127.0.0.1 as its proxy), so the rest of
    the suite keeps its allowance; a second address is still served."""
    guesser = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    page = new_context(extra_http_headers={"X-Forwarded-For": guesser}).new_page()
    limited = False
    for attempt in range(25):
        _open(page, f"/c/guess-{attempt}-{uuid.uuid4().hex}")
        if page.locator("#card-page-limited").count():
            limited = True
            break
        expect(page.locator("#card-page-invalid")).to_be_visible()
    assert limited, "25 unknown card links and the card page never said to wait"
    expect(page.locator("#card-page-limited")).to_contain_text("Try again in")
    expect(page.locator("#card-page-invalid")).to_have_count(0)

    for attempt in range(25):
        open_page(page, f"/activate/guess-{attempt}-{uuid.uuid4().hex}")
        if "Too many" in page.locator("#activation-refused-title").inner_text():
            break
    expect(page.locator("#activation-refused-title")).to_have_text("Too many attempts")
    expect(page.locator("#activation-refused")).to_contain_text("Try again in")

    for attempt in range(25):
        _open(page, f"/join/guess-{attempt}-{uuid.uuid4().hex}")
        if "Too many" in page.locator("#join-refused").inner_text():
            break
    expect(page.locator("#join-refused")).to_contain_text("Too many invitation links that do not exist")

    neighbour = new_context(extra_http_headers={"X-Forwarded-For": "192.0.2.77"}).new_page()
    _open(neighbour, f"/c/guess-{uuid.uuid4().hex}")
    expect(neighbour.locator("#card-page-invalid")).to_be_visible()


def test_login_and_the_counters_code_look_up_say_when_to_try_again(new_context, app_server, target):
    """The older limits, seen on their screens: five wrong passwords for one email, then even the
    right one waits; thirty wrong codes on one counter device, then the counter says to wait."""
    tag = uuid.uuid4().hex[:8]
    email = f"locked-{tag}@example.com"
    app_server.cli("create-operator", "--name", f"Locked Network {tag}", "--email", email, "--password", PASSWORD,
                   "--currency", "CAD")
    page = new_context(extra_http_headers=_own_address()).new_page()
    open_page(page, "/login")
    for attempt in range(5):
        page.fill("#login-email", email)
        page.fill("#login-password", f"wrong-password-{attempt}")
        page.click("#login-submit")
        expect(page.locator("#login-error")).to_contain_text("Email or password is incorrect.")
    page.fill("#login-email", email)
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("Too many attempts. Try again in 15 minutes.")
    assert path_of(page) == "/login"

    context = new_context(extra_http_headers=_own_address())
    as_device(context, app_server.base_url, target["device_secret"])
    counter = context.new_page()
    open_page(counter, "/redeem")
    for _attempt in range(31):
        counter.fill("#redeem-code-input", "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
        counter.click("#redeem-code-submit")
        expect(counter.locator("#redeem-card-error")).to_be_visible()
        if "Too many" in counter.locator("#redeem-card-error").inner_text():
            break
    expect(counter.locator("#redeem-card-error")).to_contain_text("Too many card codes were wrong. Try again in")
    counter.fill("#redeem-code-input", target["card"]["code"])  # even the right code waits now
    counter.click("#redeem-code-submit")
    expect(counter.locator("#redeem-card-error")).to_contain_text("Too many card codes were wrong")

    # The secrets these screens carried (passwords typed, a device secret, a card code) are not in
    # the app process's output.
    output = app_server.log_path.read_text(errors="replace")
    for secret in (PASSWORD, "wrong-password-0", target["device_secret"], target["revoked_secret"], target["card"]["code"]):
        assert secret not in output, f"{secret[:8]}... is in the app's log"
