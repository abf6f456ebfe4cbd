"""The gateway stand-ins in Chromium, without the app: a host page on a third local origin
(http://localhost:<port>, a ThreadingHTTPServer here; the fakes are at http://127.0.0.1:<port>)
loads the stand-in Custom Checkout and Forte.js from the fake gateways, as the shop's pay step
will, types a card, gets a token, and the token pays at the fake. The page's own requests and
the messages it receives never carry the card number (Bambora); with Forte the card goes
only to the fake's token endpoint. Last, the shop's own assets/card_form.js against both.

Needs only the session's `browser` (tests/e2e/conftest.py), not `app_server`.
"""

from __future__ import annotations

import base64
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.fakes.bambora import APPROVED_CARD, FakeBambora
from tests.fakes.forte import FakeForte

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000
FORTE_CARD = "4111111111111111"
YY = f"{(date.today().year + 2) % 100:02d}"
YYYY = str(date.today().year + 2)


class HostSite:
    """The shop's stand-in: pages by path, each with its Content-Security-Policy, on localhost."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str, str]] = {}  # path -> (body, content type, CSP)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = site.pages.get(self.path.split("?")[0])
                if page is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                body, content_type, csp = page
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                if csp:
                    self.send_header("Content-Security-Policy", csp)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # the shop's own server: nothing should ever be posted here
                self.rfile.read(int(self.headers.get("content-length", "0")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://localhost:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def add(self, path: str, body: str, *, gateway_origin: str = "", content_type: str = "text/html") -> str:
        # As the shop's pages: scripts from itself and the gateway only, frames from the gateway only.
        frames = gateway_origin or "'none'"
        csp = f"script-src 'self' 'unsafe-inline' {gateway_origin}; frame-src {frames}"
        self.pages[path] = (body, content_type, csp if content_type == "text/html" else "")
        return self.base_url + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake_bambora():
    fake = FakeBambora().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def fake_forte():
    fake = FakeForte().start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def fresh_fakes(fake_bambora, fake_forte):
    """One fake of each for the module, reset between tests."""
    fake_bambora.reset()
    fake_forte.reset()


@pytest.fixture(scope="module")
def site():
    host = HostSite()
    yield host
    host.close()


@pytest.fixture
def page(browser, request):
    """A phone-sized page whose requests are recorded as (frame url, method, url, body)."""
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    tab.sent = []
    tab.on("request", lambda r: tab.sent.append((r.frame.url, r.method, r.url, r.post_data or "")))
    yield tab
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        out = ROOT / "test-results"
        out.mkdir(exist_ok=True)
        tab.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
    context.close()


def carries(entry: tuple[str, str, str, str], number: str) -> bool:
    _, _, url, body = entry
    spaced = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    return any(form in url or form in body for form in (number, spaced, spaced.replace(" ", "+")))


def pay_bambora(fake: FakeBambora, token: str) -> httpx.Response:
    auth = "Passcode " + base64.b64encode(f"{fake.merchant_id}:{fake.passcode}".encode()).decode()
    return httpx.post(fake.base_url + "/v1/payments", headers={"Authorization": auth}, json={
        "payment_method": "token", "order_number": "GN-E2E-1", "amount": 25.0,
        "token": {"code": token, "name": "Ada", "complete": True}})


def sell_forte(fake: FakeForte, token: str) -> httpx.Response:
    basic = base64.b64encode(f"{fake.api_access_id}:{fake.api_secure_key}".encode()).decode()
    return httpx.post(
        f"{fake.base_url}/organizations/{fake.organization_id}/locations/{fake.location_id}/transactions",
        headers={"Authorization": "Basic " + basic, "X-Forte-Auth-Organization-Id": fake.organization_id},
        json={"action": "sale", "authorization_amount": 25.0, "order_number": "GN-E2E-2",
              "card": {"one_time_token": token}})


# --------------------------------------------------------------------------- Bambora Custom Checkout

BAMBORA_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay</title>
<script>
  window.received = []; // every message this page receives, as text
  window.addEventListener("message", function (event) { window.received.push(JSON.stringify(event.data)); });
</script>
<script src="%SCRIPT%"></script>
<style>.field { border: 1px solid #999; margin: 8px; } .is-error { border-color: red; }</style>
</head><body>
<form id="checkout-form">
  <div id="card-number" class="field"></div>
  <div id="card-cvv" class="field"></div>
  <div id="card-expiry" class="field"></div>
</form>
<script>
  window.seen = [];
  var checkout = customcheckout();
  var options = {
    style: { base: { color: "rgb(17, 24, 39)", fontSize: "18px" }, complete: { color: "rgb(13, 148, 136)" },
             error: { color: "rgb(180, 35, 24)" } },
    classes: { complete: "is-complete", empty: "is-empty", error: "is-error", focus: "is-focus" },
  };
  checkout.create("card-number", Object.assign({ placeholder: "Card number", brands: ["visa", "mastercard"] }, options))
    .mount("#card-number");
  checkout.create("cvv", Object.assign({ placeholder: "CVV" }, options)).mount("#card-cvv");
  checkout.create("expiry", Object.assign({ placeholder: "MM / YY" }, options)).mount("#card-expiry");
  ["brand", "empty", "complete", "error", "focus", "blur"].forEach(function (name) {
    checkout.on(name, function (event) { window.seen.push(Object.assign({ event: name }, event)); });
  });
  window.makeToken = function () { return new Promise(function (resolve) { checkout.createToken(resolve); }); };
</script>
</body></html>
"""


def bambora_page(fake: FakeBambora) -> str:
    return BAMBORA_PAGE.replace("%SCRIPT%", fake.base_url + "/customcheckout/1/customcheckout.js")


def classes_become(page, selector: str, present: tuple[str, ...], absent: tuple[str, ...] = ()) -> None:
    """Waits until the mount element has these classes and not those."""
    page.wait_for_function("""([selector, present, absent]) => {
        const list = document.querySelector(selector).classList;
        return present.every(c => list.contains(c)) && !absent.some(c => list.contains(c));
    }""", arg=[selector, list(present), list(absent)])


def seen(page, **wanted) -> None:
    """Waits until an on() handler got an event with these keys and values."""
    page.wait_for_function(
        "wanted => window.seen.some(e => Object.keys(wanted).every(k => e[k] === wanted[k]))", arg=wanted)


def test_custom_checkout_stand_in_mounts_its_iframes_and_mints_a_token_the_fake_accepts(page, site, fake_bambora):
    url = site.add("/bambora", bambora_page(fake_bambora), gateway_origin=fake_bambora.base_url)
    page.goto(url)

    frames = page.locator("iframe")
    expect(frames).to_have_count(3)
    assert [frames.nth(i).get_attribute("title") for i in range(3)] == ["Card number", "CVV", "Expiry date"]
    assert all(frames.nth(i).get_attribute("src").startswith(fake_bambora.base_url + "/") for i in range(3))
    number = page.frame_locator("#card-number iframe").locator("#cc-input")
    cvv = page.frame_locator("#card-cvv iframe").locator("#cc-input")
    expiry = page.frame_locator("#card-expiry iframe").locator("#cc-input")
    expect(number).to_have_attribute("placeholder", "Card number")
    expect(page.locator("#card-number")).to_have_class("field is-empty")
    # The host page cannot look inside: the frames are another origin.
    assert page.evaluate("document.querySelector('#card-number iframe').contentDocument") is None

    empty = page.evaluate("makeToken()")
    assert empty == {"error": {"field": "card-number", "type": "CardNumberInvalid",
                               "message": "Please enter a valid card number"}}

    number.press_sequentially(APPROVED_CARD)
    expect(number).to_have_value("4030 0000 1000 1234")
    seen(page, event="brand", field="card-number", brand="visa")
    seen(page, event="complete", field="card-number", complete=True)
    seen(page, event="empty", field="card-number", empty=False)
    classes_become(page, "#card-number", ("is-complete", "is-focus"), ("is-empty", "is-error"))
    assert number.evaluate("input => getComputedStyle(input).color") == "rgb(13, 148, 136)"
    assert number.evaluate("input => getComputedStyle(input).fontSize") == "18px"

    expiry.press_sequentially("12" + YY)
    expect(expiry).to_have_value(f"12 / {YY}")
    seen(page, event="complete", field="expiry", complete=True)
    cvv.fill("12")
    wrong = page.evaluate("makeToken()")
    assert wrong == {"error": {"field": "cvv", "type": "CvvInvalid", "message": "Please enter a valid CVV"}}
    seen(page, event="error", field="cvv", type="CvvInvalid", message="Please enter a valid CVV")
    classes_become(page, "#card-cvv", ("is-error",), ("is-complete", "is-empty"))
    assert fake_bambora.tokenization_requests() == []

    cvv.fill("123")
    classes_become(page, "#card-cvv", ("is-complete",), ("is-error", "is-empty"))
    result = page.evaluate("makeToken()")
    assert result["code"] == 200 and result["last4"] == "1234"
    assert (result["expiryMonth"], result["expiryYear"]) == ("12", YY)
    assert fake_bambora.minted_tokens[result["token"]].card_number == APPROVED_CARD
    (tokenization,) = fake_bambora.tokenization_requests()
    assert tokenization.body == {"number": APPROVED_CARD, "expiry_month": "12", "expiry_year": YY, "cvd": "123"}
    assert tokenization.headers["origin"] == fake_bambora.base_url  # posted by the iframe, same-origin

    paid = pay_bambora(fake_bambora, result["token"])
    assert paid.status_code == 200 and paid.json()["approved"] == "1"

    # The card went only from the card-number iframe to the fake; the host page never saw it.
    host_requests = [r for r in page.sent if r[0].startswith(site.base_url)]
    assert host_requests and not any(carries(r, APPROVED_CARD) for r in host_requests)
    (carrying,) = [r for r in page.sent if carries(r, APPROVED_CARD)]
    assert carrying[0].startswith(fake_bambora.base_url) and carrying[2] == tokenization_url(fake_bambora)
    received = page.evaluate("window.received")
    assert received and not any(APPROVED_CARD in m or "4030 0000" in m or '"123"' in m for m in received)


def tokenization_url(fake: FakeBambora) -> str:
    return fake.base_url + "/scripts/tokenization/tokens"


def test_custom_checkout_stand_in_api_refuses_what_the_documentation_does_not_allow(page, site, fake_bambora):
    url = site.add("/bambora", bambora_page(fake_bambora), gateway_origin=fake_bambora.base_url)
    page.goto(url)
    refusals = page.evaluate("""() => {
        const c = customcheckout();
        const attempt = f => { try { f(); return "accepted"; } catch (e) { return e.message; } };
        return {
            type: attempt(() => c.create("card-holder")),
            brand: attempt(() => c.create("card-number", {brands: ["visa", "klingon"]})),
            brandsOnCvv: attempt(() => c.create("cvv", {brands: ["visa"]})),
            mountNowhere: attempt(() => c.create("cvv").mount("#nowhere")),
            event: attempt(() => c.on("change", () => {})),
        };
    }""")
    assert refusals["type"].startswith("customcheckout: unknown field type")
    assert refusals["brand"] == 'customcheckout: unknown brand "klingon"'
    assert refusals["brandsOnCvv"] == "customcheckout: brands is an option of the card-number field only"
    assert refusals["mountNowhere"].startswith("customcheckout: no element matches #nowhere")
    assert refusals["event"] == 'customcheckout: unknown event "change"'

    # A brand outside `brands` is an error; clear() empties the field; unmount() removes the frame.
    number = page.frame_locator("#card-number iframe").locator("#cc-input")
    number.fill("5454545454545454")
    seen(page, event="brand", field="card-number", brand="mastercard")
    number.fill("371449635398431")
    seen(page, event="error", field="card-number", type="CardBrandNotAccepted")
    refused = page.evaluate("makeToken()")
    assert refused["error"]["field"] == "card-number" and refused["error"]["type"] == "CardBrandNotAccepted"
    assert fake_bambora.tokenization_requests() == []


def test_a_custom_checkout_script_that_fails_to_load_fires_the_script_s_error(page, site, fake_bambora):
    fake_bambora.script_fail_status = 503
    url = site.add("/empty", "<!doctype html><title>Pay</title><p>pay</p>", gateway_origin=fake_bambora.base_url)
    page.goto(url)
    outcome = page.evaluate("""src => new Promise(resolve => {
        const s = document.createElement("script");
        s.src = src;
        s.onload = () => resolve("loaded");
        s.onerror = () => resolve("error");
        document.head.appendChild(s);
    })""", fake_bambora.base_url + "/customcheckout/1/customcheckout.js")
    assert outcome == "error" and page.evaluate("typeof window.customcheckout") == "undefined"


# --------------------------------------------------------------------------- Forte.js

FORTE_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay</title><script src="%SCRIPT%"></script></head>
<body><p>Forte</p>
<script>
  window.tokenOf = function (data) {
    return new Promise(function (resolve) {
      var request = forte.createToken(data);
      var chained = request.success(function (r) { resolve({ok: r}); });
      if (chained !== request || request.error(function (r) { resolve({error: r}); }) !== request) {
        resolve({notChainable: true});
      }
    });
  };
</script></body></html>
"""


@pytest.mark.parametrize("script_path", ["/api/js/v1", "/js/v1"])
def test_forte_js_stand_in_makes_a_one_time_token_the_fake_accepts(page, site, fake_forte, script_path):
    url = site.add("/forte", FORTE_PAGE.replace("%SCRIPT%", fake_forte.base_url + script_path),
                   gateway_origin=fake_forte.base_url)
    page.goto(url)
    card = {"api_login_id": fake_forte.api_login_id, "card_number": FORTE_CARD, "expire_month": "12",
            "expire_year": YYYY, "cvv": "123"}

    wrong_id = page.evaluate("data => tokenOf(data)", {**card, "api_login_id": "not-the-id"})
    assert wrong_id == {"error": {"response_description": "Invalid api_login_id"}}
    bad_card = page.evaluate("data => tokenOf(data)", {**card, "card_number": "4111111111111112"})
    assert bad_card == {"error": {"response_description": "Invalid card number"}}

    made = page.evaluate("data => tokenOf(data)", card)["ok"]
    assert made["onetime_token"].startswith("ott_")
    assert (made["last_4"], made["card_type"]) == ("1111", "visa")
    assert (made["expire_month"], made["expire_year"]) == ("12", YYYY)
    # Callbacks registered after the answer are called too.
    late = page.evaluate("""data => new Promise(resolve => {
        const request = forte.createToken(data);
        setTimeout(() => request.error(r => resolve(["error", r])).success(r => resolve(["success", r])), 1000);
    })""", card)
    assert late[0] == "success" and late[1]["onetime_token"].startswith("ott_")

    sold = sell_forte(fake_forte, made["onetime_token"])
    assert sold.status_code == 201 and sold.json()["response"]["response_code"] == "A01"
    assert len(fake_forte.token_requests()) == 4
    assert {r.path for r in fake_forte.token_requests()} == {script_path + "/tokens"}

    # The card went to the fake's token endpoint only, never to the shop's origin.
    carrying = [r for r in page.sent if carries(r, FORTE_CARD)]
    assert carrying and all(r[2] == fake_forte.base_url + script_path + "/tokens" for r in carrying)
    assert not any(r[2].startswith(site.base_url) and carries(r, FORTE_CARD) for r in page.sent)


def test_a_forte_js_script_that_fails_to_load_fires_the_script_s_error(page, site, fake_forte):
    fake_forte.script_fail_status = 500
    url = site.add("/empty", "<!doctype html><title>Pay</title><p>pay</p>", gateway_origin=fake_forte.base_url)
    page.goto(url)
    outcome = page.evaluate("""src => new Promise(resolve => {
        const s = document.createElement("script");
        s.src = src;
        s.onload = () => resolve("loaded");
        s.onerror = () => resolve("error");
        document.head.appendChild(s);
    })""", fake_forte.base_url + "/api/js/v1")
    assert outcome == "error" and page.evaluate("typeof window.forte") == "undefined"


# --------------------------------------------------------------------------- the shop's card_form.js

CARD_FORM = ROOT / "assets" / "card_form.js"
CARD_FORM_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay step</title><script src="/card_form.js"></script></head>
<body>
  <div id="card-number"></div><span id="card-number-status"></span>
  <div id="card-expiry"></div><span id="card-expiry-status"></span>
  <div id="card-cvv"></div><span id="card-cvv-status"></span>
  <input id="forte-card-number"><input id="forte-expiry"><input id="forte-cvv">
</body></html>
"""


@pytest.mark.skipif(not CARD_FORM.exists(), reason="assets/card_form.js is not in this checkout")
def test_the_shop_s_card_form_gets_tokens_from_both_stand_ins(page, site, fake_bambora, fake_forte):
    site.add("/card_form.js", CARD_FORM.read_text(), content_type="application/javascript")
    both = f"{fake_bambora.base_url} {fake_forte.base_url}"
    page.goto(site.add("/pay", CARD_FORM_PAGE, gateway_origin=both))

    script = fake_bambora.base_url + "/customcheckout/1/customcheckout.js"
    mounted = page.evaluate("url => giftnetCardForm.mount({gateway: 'bambora', scriptUrl: url, colour: '#0d9488'})",
                            script)
    assert mounted == {"ok": True}
    number = page.frame_locator("#card-number iframe").locator("#cc-input")
    number.press_sequentially(APPROVED_CARD[:4])
    expect(page.locator("#card-number-status")).to_have_text("Visa")
    number.press_sequentially(APPROVED_CARD[4:])
    expect(page.locator("#card-number-status")).to_have_text("Visa ✓")  # card_form.js: the brand, then complete
    page.frame_locator("#card-expiry iframe").locator("#cc-input").fill("12" + YY)
    page.frame_locator("#card-cvv iframe").locator("#cc-input").fill("1")
    refused = page.evaluate("giftnetCardForm.token({})")
    assert refused == {"error": "Please enter a valid CVV", "field": "cvv"}
    expect(page.locator("#card-cvv-status")).to_have_text("Please enter a valid CVV")
    page.frame_locator("#card-cvv iframe").locator("#cc-input").fill("123")
    made = page.evaluate("giftnetCardForm.token({})")
    assert made["last4"] == "1234" and fake_bambora.minted_tokens[made["token"]].card_number == APPROVED_CARD
    assert pay_bambora(fake_bambora, made["token"]).status_code == 200

    page.locator("#forte-card-number").fill(FORTE_CARD)
    page.locator("#forte-expiry").fill(f"12/{YY}")
    page.locator("#forte-cvv").fill("123")
    mounted = page.evaluate("url => giftnetCardForm.mount({gateway: 'forte', scriptUrl: url})",
                            fake_forte.base_url + "/api/js/v1")
    assert mounted == {"ok": True}
    page.locator("#forte-card-number").fill(FORTE_CARD)
    page.locator("#forte-expiry").fill(f"12/{YY}")
    page.locator("#forte-cvv").fill("123")
    wrong = page.evaluate("giftnetCardForm.token({apiLoginId: 'not-the-id'})")
    assert wrong == {"error": "Invalid api_login_id"}
    made = page.evaluate("id => giftnetCardForm.token({apiLoginId: id})", fake_forte.api_login_id)
    assert made["token"].startswith("ott_") and made["last4"] == "1111"
    assert sell_forte(fake_forte, made["token"]).status_code == 201

    assert not any(r[2].startswith(site.base_url) and (carries(r, APPROVED_CARD) or carries(r, FORTE_CARD))
                   for r in page.sent)

    fake_bambora.script_fail_status = 503
    failed = page.evaluate("url => giftnetCardForm.mount({gateway: 'bambora', scriptUrl: url + '?again'})", script)
    assert failed == {"ok": False, "reason": "the script could not be loaded"}
