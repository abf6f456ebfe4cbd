"""The counter's in-page QR scanner in Chromium with a fake camera.

Chromium is launched for this file only with `--use-fake-device-for-media-stream
--use-file-for-fake-video-capture=<video>`: the camera films a Y4M video this test makes
from a QR code (qrcode + Pillow, the frames written as raw YUV 4:2:0). The video of a
real card's link opens that card on the counter when Scan is pressed; a QR code of another
site says it is not a Giftnet card and opens nothing; a camera the browser refuses says
what to do. Linux Chromium has no BarcodeDetector, so this reads with jsQR (served from
assets/vendor/ by `make deps`). A screenshot of the scanner open lands in screenshots/counter/.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import httpx
import pytest
import qrcode
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import CHROMIUM_ARGS, UI_TIMEOUT_MS
from tests.support.browser import TABLET_LANDSCAPE, TABLET_PORTRAIT, activate_device, make_location

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots" / "counter"
WIDTH, HEIGHT, FRAMES = 640, 480, 8
SCAN_TIMEOUT_MS = 20_000  # the camera starts, the decoder loads, a frame is read (a loaded machine)


def write_qr_video(text: str, path: Path) -> Path:
    """A Y4M video (YUV 4:2:0) whose every frame is the QR code of `text` on white, centered."""
    qr = qrcode.QRCode(border=4, box_size=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("L")
    side = (min(WIDTH, HEIGHT) * 85 // 100) // code.size[0] * code.size[0]
    code = code.resize((side, side), Image.NEAREST)
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(code, ((WIDTH - side) // 2, (HEIGHT - side) // 2))
    luma = frame.tobytes()  # grey: Y is the picture, U and V are neutral
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture
def camera_browser(browser, tmp_path):
    """camera_browser(text, allow=True) -> a Chromium of its own (launched through the session's
    Playwright) whose camera films the QR code of `text`; with allow=False the browser refuses
    the camera as a person who said no."""
    if not (ROOT / "assets" / "vendor" / "jsQR.js").is_file():
        pytest.fail("assets/vendor/jsQR.js is missing: `make deps` installs jsQR from npm and copies it there")
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    browsers = []

    def launch(text: str, *, allow: bool = True):
        video = write_qr_video(text, tmp_path / f"qr-{uuid.uuid4().hex[:6]}.y4m")
        args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
        if allow:
            args.append("--use-fake-ui-for-media-stream")  # the camera prompt answers yes by itself
        camera = browser.browser_type.launch(executable_path=executable, args=args)
        browsers.append(camera)
        return camera

    yield launch
    for camera in browsers:
        camera.close()


def counter_in(browser, app_server, location: dict, *, allow: bool = True):
    """An activated counter device on /redeem, in `browser`: (page, device code)."""

    def new_context(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or TABLET_LANDSCAPE, base_url=app_server.base_url,
                                      permissions=["camera"] if allow else [])
        context.set_default_timeout(UI_TIMEOUT_MS)
        return context

    return activate_device(new_context, location["activation_url"], "Front counter")


def status(page):
    return page.locator("#qr-scanner-status")


def test_scan_opens_the_card_of_the_scanned_link(camera_browser, make_operator, issue_card, app_server):
    owner = make_operator()
    location = make_location(app_server, owner.operator_id, f"Scan Cafe {uuid.uuid4().hex[:6]}", "amount")
    card = issue_card(owner.operator_id, 4250)
    # The link of the customer's email and card page (money.card_page.card_link).
    link = f"{app_server.base_url}/c/{card['link_token']}"
    page, _code = counter_in(camera_browser(link), app_server, location)

    # The counter may use the camera (its own origin only); the card page may not.
    policy = httpx.get(app_server.url("/redeem"), timeout=30).headers["permissions-policy"]
    assert "camera=(self)" in policy
    assert "camera=()" in httpx.get(link, timeout=30).headers["permissions-policy"]

    expect(page.locator("#redeem-card-last4")).to_have_count(0)
    page.click("#redeem-scan-open")
    expect(page.locator("#redeem-card-last4")).to_contain_text(card["last4"], timeout=SCAN_TIMEOUT_MS)
    expect(page.locator("#redeem-card-balance")).to_have_text("$42.50")
    expect(page.locator("#redeem-card-error")).to_have_count(0)
    # The scanner closed with the camera: no video left, no camera track running.
    expect(page.locator("#qr-scanner")).to_have_count(0)
    assert page.evaluate("() => !document.getElementById('qr-scanner-video')")

    # The card is open as a typed code opens it: the counter redeems from it.
    page.click("#pad-1")
    page.click("#pad-2")
    page.click("#pad-5")
    page.click("#pad-0")
    page.click("#redeem-amount-submit")
    expect(page.locator("#receipt-amount")).to_have_text("$12.50")
    expect(page.locator("#receipt-balance")).to_have_text("$30.00")


def test_a_qr_code_that_is_not_ours_says_so_and_opens_nothing(camera_browser, make_operator, app_server):
    owner = make_operator()
    location = make_location(app_server, owner.operator_id, f"Scan Deli {uuid.uuid4().hex[:6]}", "amount")
    page, _code = counter_in(camera_browser("https://example.org/menu/today"), app_server, location)

    page.click("#redeem-scan-open")
    expect(status(page)).to_have_attribute("data-phase", "not_ours", timeout=SCAN_TIMEOUT_MS)
    expect(status(page)).to_contain_text("not a Giftnet card")
    expect(page.locator("#qr-scanner-view")).to_be_visible()  # still scanning: the camera stays on
    assert page.evaluate("() => { const v = document.getElementById('qr-scanner-video');"
                         " return !!(v && v.srcObject && v.srcObject.active && v.videoWidth > 0); }")
    expect(page.locator("#redeem-card-last4")).to_have_count(0)
    expect(page.locator("#redeem-scan-open")).to_be_disabled()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size in (TABLET_LANDSCAPE, TABLET_PORTRAIT):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # the layout settles, a few frames in the view
        page.screenshot(path=str(SCREENSHOTS / f"qr-scanner-open-{size['width']}x{size['height']}.png"))
    page.set_viewport_size(TABLET_LANDSCAPE)

    page.click("#qr-scanner-close")
    expect(page.locator("#qr-scanner")).to_have_count(0)
    expect(page.locator("#redeem-scan-open")).to_be_enabled()


def test_a_refused_camera_says_what_to_do(camera_browser, make_operator, app_server):
    owner = make_operator()
    location = make_location(app_server, owner.operator_id, f"Scan Bakery {uuid.uuid4().hex[:6]}", "amount")
    page, _code = counter_in(camera_browser("https://example.org/", allow=False), app_server, location, allow=False)

    page.click("#redeem-scan-open")
    expect(status(page)).to_have_attribute("data-phase", "denied", timeout=SCAN_TIMEOUT_MS)
    expect(status(page)).to_contain_text("Allow the camera for this site in the browser's site settings")
    expect(status(page)).to_contain_text("type the card code")
    expect(page.locator("#qr-scanner-view")).to_have_count(0)
    expect(page.locator("#qr-scanner-retry")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "qr-scanner-camera-refused-1024x768.png"))
    # Typing the code still works beside it.
    expect(page.locator("#redeem-code-input")).to_be_editable()
