"""The counter by keyboard: digits typed on a physical keyboard go to the amount pad, and
focus moves to what the merchant does next (the card's main action once a card opens).

The keys are one document listener installed by the counter's on_load (`rx.call_script`,
once per page: a flag on `window`). It presses the pad's own buttons, so a typed digit
and a tapped one are the same event and the same rules (app/state/redeem.py `pad_press`).
It stays out of the way of text fields, of an open dialog (which has its own keys) and
of key combinations:
- 0-9: the pad's digit; Backspace: the pad's ⌫;
- Enter: the screen's primary action (Redeem the amount or the items, or Next customer on
  a receipt) unless focus is on another button, which Enter presses as usual;
- Escape: cancels the partial-payment question, else clears the pad.
"""

from __future__ import annotations

import json

import reflex as rx

INSTALL_JS = """
(function () {
  if (window.__giftnetCounterKeys) return;
  window.__giftnetCounterKeys = true;
  function usable(element) {
    return element && !element.disabled && element.getClientRects().length > 0;
  }
  function press(id) {
    var element = document.getElementById(id);
    if (!usable(element)) return false;
    element.click();
    return true;
  }
  window.giftnetCounterFocus = function (selectors) {
    var tries = 0;
    (function attempt() {
      for (var i = 0; i < selectors.length; i++) {
        var element = document.querySelector(selectors[i]);
        if (usable(element)) { element.focus(); return; }
      }
      if (++tries < 40) setTimeout(attempt, 50);
    })();
  };
  document.addEventListener("keydown", function (event) {
    if (!document.getElementById("redeem-counter")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.defaultPrevented) return;
    var target = event.target || document.body;
    var tag = target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable) return;
    if (document.querySelector("[role=alertdialog], [role=dialog]")) return;
    var key = event.key;
    var onPad = (target.id || "").indexOf("pad-") === 0;
    var onOtherButton = !onPad && (tag === "BUTTON" || tag === "A");
    var handled = false;
    if (/^[0-9]$/.test(key)) handled = press("pad-" + key);
    else if (key === "Backspace") handled = press("pad-back");
    else if (key === "Escape") handled = press("pos-partial-cancel") || press("pad-clear");
    else if (key === "Enter" && !onOtherButton) {
      handled = press("redeem-amount-submit") || press("redeem-items-submit") || press("receipt-next");
      if (!handled && onPad) handled = true;  // Enter on a pad key never types its digit again
    }
    if (handled) event.preventDefault();
  });
})();
"""

# Where focus goes once a card opens: the first of these that is on screen and enabled.
CARD_MAIN_ACTIONS = (
    "#pos-payments button[id^=pos-select-]",  # a POS payment waits: SELECT it
    "#redeem-items button[id^=item-plus-]",  # items: add the first
    "#pad-1",  # the amount pad (digits typed anywhere land there too)
    "#redeem-new-card",
)


def install_keys() -> rx.event.EventSpec:
    return rx.call_script(INSTALL_JS)


def focus_first(*selectors: str) -> rx.event.EventSpec:
    """Focus the first of `selectors` on screen and enabled, waiting (up to 2 s) for it to render."""
    return rx.call_script(f"window.giftnetCounterFocus && window.giftnetCounterFocus({json.dumps(list(selectors))})")
