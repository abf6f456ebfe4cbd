"""Move the secrets an older release kept in localStorage into their HttpOnly cookies.

Before the session and the device secret became HttpOnly cookies, the browser kept them
in localStorage (`giftnet_session`, `giftnet_device`), where any script could read them.
This script, in every page's <head>, hands such a leftover to `POST /auth/adopt` once
(which sets the cookie when it still names a live session or device), removes it from
localStorage and reloads: counters activated before the change keep working, and
nothing secret stays script-readable.
"""

from __future__ import annotations

import reflex as rx

LEGACY_SECRETS_JS = """
(function () {
  try {
    var names = {giftnet_session: "session", giftnet_device: "device"}, body = {}, found = false;
    Object.keys(names).forEach(function (key) {
      var value = window.localStorage.getItem(key);
      if (value) { body[names[key]] = value.replace(/^"|"$/g, ""); found = true; }
    });
    if (!found) { return; }
    fetch("/auth/adopt", {method: "POST", credentials: "same-origin",
                          headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (answer) {
        if (!answer.ok) { return; }
        Object.keys(names).forEach(function (key) { window.localStorage.removeItem(key); });
        window.location.reload();
      }, function () {});
  } catch (refused) {}
})();
"""


def legacy_secrets_script() -> rx.Component:
    return rx.script(LEGACY_SECRETS_JS)
