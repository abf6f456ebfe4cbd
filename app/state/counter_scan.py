"""The counter's in-page QR scanner (app/components/qr_scanner.py, assets/qr_scanner.js).

The browser opens the camera and reads QR codes; what a code holds is judged here
(`counter.qr_scan.read_scanned`). A card code opens the card through the counter's own
`RedeemState.open_card`, exactly as if it had been typed; a card link of ours opens its
card as the link `/redeem?link=<token>` does (`RedeemState.load`): found by its token,
only a card of this device's network. Anything else says it is not a Giftnet card and the
camera keeps reading.

The scan's phase: "" (closed), "starting", "scanning", "not_ours" (still scanning),
"denied", "no_camera", "unsupported", "error". The camera is allowed on the counter device's
pages only (app/api/security_headers.py).
"""

from __future__ import annotations

import json

import reflex as rx

from app.services.core import link_guard
from app.services.core.errors import GiftnetError
from app.services.counter.qr_scan import read_scanned
from app.services.money.cards import find_card_by_link_token
from app.settings import get_settings
from app.state.client import client_ip
from app.state.language import N_
from app.state.redeem import RedeemState

VIDEO_ID = "qr-scanner-video"
SCRIPT_SRC = "/qr_scanner.js"
# Loads the scanner once, then opens the camera into the scanner's <video>.
START_JS = (
    "(async () => { if (!window.GiftnetQrScanner) { await new Promise((ok, fail) => {"
    " const s = document.createElement('script'); s.src = '" + SCRIPT_SRC + "'; s.onload = ok;"
    " s.onerror = () => fail(new Error('the scanner did not load')); document.head.appendChild(s); }); }"
    " return await window.GiftnetQrScanner.start('" + VIDEO_ID + "'); })()"
    ".catch((e) => ({status: 'error', detail: String((e && e.message) || e)}))"
)
STOP_JS = "window.GiftnetQrScanner && window.GiftnetQrScanner.stop()"

NOT_OURS = N_("That QR code is not a Giftnet card. Scan the QR code of the customer's gift card email or card page, "
            "or type the card code.")
LINK_NOT_HERE = N_("This card link does not belong to this network.")
REFUSALS = {
    "denied": N_("The camera is blocked for this page. Allow the camera for this site in the browser's site settings "
               "(the camera or lock icon beside the address), then press Try again. Or type the card code."),
    "no_camera": N_("This device has no camera the page can use. Type the card code instead."),
    "unsupported": N_("This browser cannot use the camera in a page (it needs the counter's https address and a "
                    "current browser). Type the card code instead."),
}


def _next_js(ignore: str) -> str:
    """Waits for the next QR code the camera reads that is not `ignore`."""
    return f"window.GiftnetQrScanner ? window.GiftnetQrScanner.next({json.dumps(ignore)}) : ''"


class CounterScanState(RedeemState):
    scan_phase: str = ""
    scan_message: str = ""

    @rx.var
    def scan_open(self) -> bool:
        return self.scan_phase != ""

    def _close(self) -> None:
        self.scan_phase, self.scan_message = "", ""

    @rx.event
    def open_scanner(self):
        self.scan_phase, self.scan_message = "starting", ""
        return rx.call_script(START_JS, callback=CounterScanState.camera_answer)

    @rx.event
    def close_scanner(self):
        self._close()
        return rx.call_script(STOP_JS)

    @rx.event
    def camera_answer(self, answer: dict):
        if self.scan_phase != "starting":
            return rx.call_script(STOP_JS)  # closed while the camera was starting
        status = str((answer or {}).get("status", "error"))
        if status == "scanning":
            self.scan_phase = "scanning"
            return rx.call_script(_next_js(""), callback=CounterScanState.scanned)
        if status == "reload":
            # Reached in-app from a page that may not use the camera: a fresh load of the counter may.
            self.scan_message = self._t("The counter reloads to use the camera: press Scan again.")
            return rx.call_script("window.location.assign('/redeem')")
        detail = str((answer or {}).get("detail", "") or "")[:200]
        self.scan_phase = status if status in REFUSALS else "error"
        if self.scan_phase in REFUSALS:
            self.scan_message = self._t(REFUSALS[self.scan_phase])
        else:
            self.scan_message = self._t("The camera could not start ({detail}). Close other apps that use the camera "
                                        "and press Try again, or type the card code.",
                                        detail=detail or self._t("no reason given"))
        return None

    @rx.event
    async def scanned(self, text: str):
        if self.scan_phase not in ("scanning", "not_ours") or not isinstance(text, str) or not text:
            return None
        public_url = get_settings().public_url
        read = read_scanned(text, our_hosts=(public_url, self.router.page.host))
        if read.kind == "code":
            self._close()
            return [rx.call_script(STOP_JS), RedeemState.open_card({"code": read.value})]
        if read.kind == "link":
            opened = await self._open_link(read.value)
            if opened:
                self._close()
                return [rx.call_script(STOP_JS), rx.set_value("redeem-code-input", "")]
            return rx.call_script(_next_js(text), callback=CounterScanState.scanned)
        self.scan_phase, self.scan_message = "not_ours", self._t(NOT_OURS)
        return rx.call_script(_next_js(text), callback=CounterScanState.scanned)

    async def _open_link(self, token: str) -> bool:
        """Opens the card behind a link of ours on this counter, as `/redeem?link=` does."""
        redeem = await self.get_state(RedeemState)
        redeem.error = redeem.notice = redeem.card_error = ""
        redeem.has_receipt = False
        context = redeem._device()  # noqa: SLF001 - the counter's own device check, revoked devices lose the screen
        if context is None:
            self._close()
            return False
        ip = client_ip(self)
        try:
            attempt = link_guard.begin("card", ip)
        except GiftnetError as error:
            self.scan_phase, self.scan_message = "not_ours", error.localized_message(self.lang)
            return False
        card = find_card_by_link_token(token)
        attempt.settle(unknown=card is None)
        if card is None or card.operator_id != context.operator_id:
            self.scan_phase, self.scan_message = "not_ours", self._t(LINK_NOT_HERE)
            return False
        redeem._show_card(card.id, context)  # noqa: SLF001 - the counter's own way to show a card
        return True
