"""Keep the app alive where the browser refuses it web storage.

Inside a third-party iframe (the shop widget on an operator's site), browsers that block
third-party cookies (Chrome incognito, strict privacy settings) throw on any touch of
`window.localStorage` / `sessionStorage`, and the app would stop with "Application
Error" before its first paint. This script, placed in <head> so it runs before the app's
modules, swaps a refused storage for one kept in memory for the life of the page. A
shopper in such a frame simply is not remembered between visits.
"""

from __future__ import annotations

import reflex as rx

STORAGE_FALLBACK_JS = """
(function () {
  function memoryStorage() {
    var items = {};
    return {
      getItem: function (k) { return Object.prototype.hasOwnProperty.call(items, k) ? items[k] : null; },
      setItem: function (k, v) { items[k] = String(v); },
      removeItem: function (k) { delete items[k]; },
      clear: function () { items = {}; },
      key: function (i) { return Object.keys(items)[i] || null; },
      get length() { return Object.keys(items).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try { window[name].getItem("giftnet-probe"); }
    catch (refused) {
      try { Object.defineProperty(window, name, { value: memoryStorage(), configurable: true }); } catch (e) {}
    }
  });
})();
"""


def storage_fallback_script() -> rx.Component:
    return rx.script(STORAGE_FALLBACK_JS)
