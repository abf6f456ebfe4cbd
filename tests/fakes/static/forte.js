/*
 * A STAND-IN for Forte.js, for tests only. FakeForte (tests/fakes/forte.py) serves it at
 * Forte's sandbox path /api/js/v1 and live path /js/v1, from its own origin. The documented
 * public API:
 *
 *   forte.createToken({api_login_id, card_number, expire_month, expire_year, cvv})
 *     .success(function (response) { response.onetime_token ... })
 *     .error(function (response) { response.response_description ... });
 *
 * .success and .error register callbacks and return the same object, before or after the
 * answer came. The card goes from the page straight to the fake's token endpoint (this
 * script's address + "/tokens", a cross-origin POST, no credentials); success answers
 * {onetime_token: "ott_...", last_4, card_type, expire_month, expire_year}, an error
 * {response_description}.
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (!here) throw new Error("forte.js must be loaded with a <script src> element");
  var tokenUrl = new URL(here);
  tokenUrl.search = "";
  tokenUrl.hash = "";
  tokenUrl.pathname = tokenUrl.pathname.replace(/\/+$/, "") + "/tokens";
  var FIELDS = ["api_login_id", "card_number", "expire_month", "expire_year", "cvv"];

  function TokenRequest() {
    this._outcome = null; // "success" | "error"
    this._response = null;
    this._callbacks = { success: [], error: [] };
  }
  TokenRequest.prototype._register = function (kind, fn) {
    if (typeof fn !== "function") throw new TypeError("forte.createToken(...)." + kind + " needs a function");
    var self = this;
    if (this._outcome === kind) setTimeout(function () { fn(self._response); }, 0);
    else if (this._outcome === null) this._callbacks[kind].push(fn);
    return this;
  };
  TokenRequest.prototype.success = function (fn) { return this._register("success", fn); };
  TokenRequest.prototype.error = function (fn) { return this._register("error", fn); };
  TokenRequest.prototype._settle = function (kind, response) {
    if (this._outcome !== null) return;
    this._outcome = kind;
    this._response = response;
    this._callbacks[kind].forEach(function (fn) {
      try { fn(response); } catch (error) { setTimeout(function () { throw error; }, 0); }
    });
    this._callbacks = { success: [], error: [] };
  };

  function createToken(data) {
    if (!data || typeof data !== "object") throw new TypeError("forte.createToken needs an object");
    var request = new TokenRequest();
    var body = {};
    FIELDS.forEach(function (name) {
      body[name] = data[name] === undefined || data[name] === null ? "" : String(data[name]);
    });
    fetch(tokenUrl.href, {
      method: "POST", mode: "cors", credentials: "omit", cache: "no-store",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (answer) { return { ok: response.ok, answer: answer || {} }; });
    }).then(function (result) {
      if (result.ok && result.answer.onetime_token) request._settle("success", result.answer);
      else {
        request._settle("error", {
          response_description: result.answer.response_description || "Forte could not make a token.",
        });
      }
    }).catch(function () {
      request._settle("error", { response_description: "Forte could not be reached." });
    });
    return request;
  }

  window.forte = { createToken: createToken };
})();
