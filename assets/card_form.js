/*
 * The shop's card form on the pay step, for Bambora Custom Checkout and Forte.js.
 *
 * The card number, expiry and CVV never reach Giftnet's server: with Bambora they are typed
 * into the gateway's own iframes (Custom Checkout), with Forte into inputs of ours that no
 * state is bound to, read here and handed to Forte.js. Either way the browser gets a one-time
 * token from the gateway, and only that token goes to our server.
 *
 * The shop's state calls (through rx.call_script, which awaits the promise):
 *   giftnetCardForm.mount({gateway, scriptUrl, colour})  -> {ok: true} | {ok: false, reason}
 *   giftnetCardForm.token({apiLoginId})                  -> {token, last4} | {error, field}
 * Each field's state (brand, empty, complete, error) is written next to it, into the empty
 * elements #card-number-status, #card-cvv-status and #card-expiry-status.
 */
(function () {
  "use strict";
  if (window.giftnetCardForm) return;

  var SCRIPT_TIMEOUT_MS = 15000;
  var FIELDS = {
    "card-number": { host: "#card-number", status: "card-number-status", label: "Card number" },
    cvv: { host: "#card-cvv", status: "card-cvv-status", label: "CVV" },
    expiry: { host: "#card-expiry", status: "card-expiry-status", label: "MM / YY" },
  };
  var BRANDS = {
    visa: "Visa", mastercard: "Mastercard", amex: "American Express", discover: "Discover",
    diners: "Diners Club", jcb: "JCB", maestro: "Maestro",
  };
  var loaded = {}; // script address -> promise
  var current = { gateway: null, checkout: null, ready: false };

  function loadScript(url) {
    if (loaded[url]) return loaded[url];
    loaded[url] = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      var timer = setTimeout(function () { fail("it did not answer within 15 seconds"); }, SCRIPT_TIMEOUT_MS);
      function fail(why) {
        clearTimeout(timer);
        delete loaded[url]; // the next attempt tries again
        script.remove();
        reject(new Error(why));
      }
      script.src = url;
      script.async = true;
      script.onload = function () { clearTimeout(timer); resolve(); };
      script.onerror = function () { fail("the script could not be loaded"); };
      document.head.appendChild(script);
    });
    return loaded[url];
  }

  // The pay step renders after the state changes: wait for its containers.
  function whenPresent(selector) {
    return new Promise(function (resolve, reject) {
      var started = Date.now();
      (function look() {
        if (document.querySelector(selector)) return resolve();
        if (Date.now() - started > 5000) return reject(new Error("the card form's place is missing on the page"));
        requestAnimationFrame(look);
      })();
    });
  }

  function setStatus(field, text, kind) {
    var spec = FIELDS[field];
    var element = spec && document.getElementById(spec.status);
    if (!element) return;
    element.textContent = text || "";
    element.setAttribute("data-state", kind || "");
    element.style.color = kind === "error" ? "#b42318" : "#4b5563";
  }

  function clearStatuses() {
    Object.keys(FIELDS).forEach(function (field) { setStatus(field, "", ""); });
  }

  // --- Bambora Custom Checkout --------------------------------------------------------

  function mountBambora(options) {
    return loadScript(options.scriptUrl).then(function () {
      if (typeof window.customcheckout !== "function") throw new Error("the script did not provide customcheckout()");
      return whenPresent("#card-number");
    }).then(function () {
      Object.keys(FIELDS).forEach(function (field) {
        var host = document.querySelector(FIELDS[field].host);
        while (host.firstChild) host.removeChild(host.firstChild); // a remount after "Try again"
      });
      var checkout = window.customcheckout();
      var style = {
        base: { color: "#111827", fontSize: "18px", fontFamily: "system-ui, sans-serif" },
        complete: { color: options.colour || "#0f766e" },
        error: { color: "#b42318" },
      };
      var classes = { complete: "card-field-complete", error: "card-field-error", focus: "card-field-focus" };
      Object.keys(FIELDS).forEach(function (field) {
        checkout.create(field, { placeholder: FIELDS[field].label, style: style, classes: classes })
          .mount(FIELDS[field].host);
      });
      var brand = "";
      checkout.on("brand", function (event) {
        if (event.field !== "card-number") return;
        brand = event.brand && event.brand !== "unknown" ? (BRANDS[event.brand] || event.brand) : "";
        setStatus("card-number", brand, "brand");
      });
      checkout.on("empty", function (event) { if (event.empty) setStatus(event.field, "", "empty"); });
      checkout.on("complete", function (event) {
        var label = event.field === "card-number" && brand ? brand + " ✓" : "✓";
        if (event.complete) setStatus(event.field, label, "complete");
      });
      checkout.on("error", function (event) { setStatus(event.field, event.message, "error"); });
      current = { gateway: "bambora", checkout: checkout, ready: true };
    });
  }

  function tokenBambora() {
    return new Promise(function (resolve) {
      current.checkout.createToken(function (result) {
        if (result && result.error) {
          if (result.error.field) setStatus(result.error.field, result.error.message, "error");
          resolve({ error: result.error.message || "Check the card details.", field: result.error.field || "" });
        } else if (result && result.token) {
          resolve({ token: result.token, last4: result.last4 || "" });
        } else {
          resolve({ error: "The card could not be read. Try again." });
        }
      });
    });
  }

  // --- Forte.js -------------------------------------------------------------------------

  function mountForte(options) {
    return loadScript(options.scriptUrl).then(function () {
      if (!window.forte || typeof window.forte.createToken !== "function") {
        throw new Error("the script did not provide forte.createToken()");
      }
      return whenPresent("#forte-card-number");
    }).then(function () {
      ["forte-card-number", "forte-expiry", "forte-cvv"].forEach(function (id) {
        var input = document.getElementById(id);
        input.value = "";
        input.oninput = function () { setStatus(forteField(id), "", ""); };
      });
      current = { gateway: "forte", checkout: window.forte, ready: true };
    });
  }

  function forteField(id) {
    return { "forte-card-number": "card-number", "forte-expiry": "expiry", "forte-cvv": "cvv" }[id];
  }

  function luhn(digits) {
    var sum = 0;
    for (var i = 0; i < digits.length; i++) {
      var d = +digits[digits.length - 1 - i];
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return digits.length >= 12 && sum % 10 === 0;
  }

  // Our own checks first, so an obvious typo is named beside its field without a round trip.
  function readForteFields() {
    var number = document.getElementById("forte-card-number").value.replace(/[\s-]/g, "");
    var expiry = document.getElementById("forte-expiry").value.replace(/\s/g, "");
    var cvv = document.getElementById("forte-cvv").value.trim();
    var match = /^(\d{1,2})\/(\d{2}|\d{4})$/.exec(expiry);
    var errors = [];
    if (!/^\d+$/.test(number) || !luhn(number)) errors.push(["card-number", "Enter the card number as printed on the card."]);
    var month = match ? +match[1] : 0;
    var year = match ? (match[2].length === 2 ? 2000 + +match[2] : +match[2]) : 0;
    var now = new Date();
    if (!match || month < 1 || month > 12) errors.push(["expiry", "Enter the expiry date as MM/YY."]);
    else if (year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1)) {
      errors.push(["expiry", "This card has expired."]);
    }
    if (!/^\d{3,4}$/.test(cvv)) errors.push(["cvv", "Enter the 3 or 4 digits on the back of the card."]);
    return { number: number, month: month, year: year, cvv: cvv, errors: errors };
  }

  function tokenForte(options) {
    var card = readForteFields();
    clearStatuses();
    if (card.errors.length) {
      card.errors.forEach(function (error) { setStatus(error[0], error[1], "error"); });
      return Promise.resolve({ error: card.errors[0][1], field: card.errors[0][0] });
    }
    return new Promise(function (resolve) {
      current.checkout.createToken({
        api_login_id: options.apiLoginId,
        card_number: card.number,
        expire_month: String(card.month),
        expire_year: String(card.year),
        cvv: card.cvv,
      }).success(function (response) {
        resolve({ token: response.onetime_token, last4: response.last_4 || "" });
      }).error(function (response) {
        resolve({ error: (response && response.response_description) || "Forte could not read the card." });
      });
    });
  }

  // --- what the shop's state calls --------------------------------------------------------

  window.giftnetCardForm = {
    mount: function (options) {
      current = { gateway: null, checkout: null, ready: false };
      clearStatuses();
      var mounting = options.gateway === "bambora" ? mountBambora(options)
        : options.gateway === "forte" ? mountForte(options)
          : Promise.reject(new Error("no card form for " + options.gateway));
      return mounting.then(
        function () { return { ok: true }; },
        function (error) { return { ok: false, reason: String((error && error.message) || error) }; }
      );
    },
    token: function (options) {
      if (!current.ready) return Promise.resolve({ error: "The card form is not ready yet.", field: "" });
      var making = current.gateway === "bambora" ? tokenBambora() : tokenForte(options || {});
      return making.catch(function (error) {
        return { error: "The card could not be read: " + String((error && error.message) || error) };
      });
    },
  };
})();
