/*
 * A STAND-IN for Bambora (Worldline NA) Custom Checkout, for tests only. FakeBambora
 * (tests/fakes/bambora.py) serves it at /customcheckout/1/customcheckout.js, the official
 * script's path, from its own origin. It implements the documented public API:
 *
 *   var checkout = customcheckout();
 *   var field = checkout.create('card-number' | 'cvv' | 'expiry', {placeholder, style, classes, brands});
 *   field.mount(selector); field.unmount(); field.clear(); field.focus();
 *   checkout.on('brand' | 'empty' | 'complete' | 'error' | 'focus' | 'blur', handler);
 *   checkout.createToken(function (result) { result.error ? ... : result.token });
 *
 * Each input lives in an IFRAME from this script's origin (customcheckout-field.html, served
 * at /customcheckout/1/field.html); the card values never enter the host page. Messages
 * between this script and its frames (window.postMessage, always with an explicit
 * targetOrigin) all carry {protocol: "customcheckout-standin/1", checkout: <this checkout's
 * id>} and:
 *   frame -> host  {kind: "ready", field}                       the frame listens
 *   frame -> host  {kind: "update", field, state, events}        state {empty, complete, error, focus}
 *                                                                drives the mount element's classes;
 *                                                                events [{name, detail}] go to on() handlers
 *   host -> frame  {kind: "tokenize", request} (card-number frame only)
 *   frame -> host  {kind: "token", request, result}              result as createToken's callback gets it
 *   host -> frame  {kind: "clear"} | {kind: "focus"}
 * The host accepts a message only from this script's origin, from the iframe of the field it
 * names, for this checkout. The frames accept messages only from their parent window, from
 * the parent origin they were created for.
 *
 * Error types (result.error.type and the 'error' event's type): CardNumberInvalid,
 * CardBrandNotAccepted, CvvInvalid, ExpiryInvalid, TokenizationFailed.
 */
(function () {
  "use strict";
  var PROTOCOL = "customcheckout-standin/1";
  var here = document.currentScript && document.currentScript.src;
  if (!here) throw new Error("customcheckout.js must be loaded with a <script src> element");
  var ORIGIN = new URL(here).origin;
  var FIELD_URL = here.replace(/[?#].*$/, "").replace(/\/[^/]*$/, "/field.html");
  var TYPES = {
    "card-number": { title: "Card number", message: "Please enter a valid card number", error: "CardNumberInvalid" },
    cvv: { title: "CVV", message: "Please enter a valid CVV", error: "CvvInvalid" },
    expiry: { title: "Expiry date", message: "Please enter a valid expiry date", error: "ExpiryInvalid" },
  };
  var BRANDS = ["visa", "mastercard", "amex", "discover", "diners", "jcb", "maestro"];
  var EVENTS = ["brand", "empty", "complete", "error", "focus", "blur"];
  var CLASS_STATES = ["complete", "empty", "error", "focus"];
  var TOKEN_TIMEOUT_MS = 60000;
  var made = 0;

  function later(fn) { setTimeout(fn, 0); }

  function Field(checkout, type, options) {
    this._checkout = checkout;
    this.type = type;
    this._options = options;
    this._element = null;
    this._iframe = null;
    this._state = { empty: true, complete: false, error: false, focus: false };
    this._ready = null;
    this._resolveReady = null;
  }

  Field.prototype.mount = function (selector) {
    if (this._iframe) throw new Error("customcheckout: the " + this.type + " field is already mounted");
    var element = typeof selector === "string" ? document.querySelector(selector) : selector;
    if (!element || element.nodeType !== 1) {
      throw new Error("customcheckout: no element matches " + String(selector) + " to mount the " + this.type
        + " field");
    }
    var self = this;
    var config = {
      checkout: this._checkout._id, type: this.type, parentOrigin: window.location.origin,
      placeholder: this._options.placeholder || "", style: this._options.style || {},
      brands: this._options.brands || null,
    };
    var iframe = document.createElement("iframe");
    iframe.name = "customcheckout-" + this.type + "-" + this._checkout._id;
    iframe.title = TYPES[this.type].title;
    iframe.setAttribute("frameborder", "0");
    iframe.setAttribute("scrolling", "no");
    iframe.setAttribute("allowtransparency", "true");
    iframe.style.cssText = "border:0;margin:0;padding:0;display:block;width:100%;height:2.75em;min-height:40px;"
      + "background:transparent;overflow:hidden;";
    iframe.src = FIELD_URL + "?type=" + encodeURIComponent(this.type)
      + "#" + encodeURIComponent(JSON.stringify(config));
    this._ready = new Promise(function (resolve) { self._resolveReady = resolve; });
    this._element = element;
    this._iframe = iframe;
    this._applyClasses();
    element.appendChild(iframe);
    return this;
  };

  Field.prototype.unmount = function () {
    if (!this._iframe) return this;
    if (this._iframe.parentNode) this._iframe.parentNode.removeChild(this._iframe);
    this._state = { empty: true, complete: false, error: false, focus: false };
    var classes = this._options.classes || {};
    var element = this._element;
    CLASS_STATES.forEach(function (state) { if (classes[state]) element.classList.remove(classes[state]); });
    this._iframe = null;
    this._element = null;
    this._ready = null;
    return this;
  };

  Field.prototype.clear = function () { this._post({ kind: "clear" }); return this; };
  Field.prototype.focus = function () { this._post({ kind: "focus" }); return this; };

  Field.prototype._post = function (message) {
    var iframe = this._iframe;
    if (!iframe) return false;
    message.protocol = PROTOCOL;
    message.checkout = this._checkout._id;
    this._ready.then(function () {
      if (iframe.contentWindow) iframe.contentWindow.postMessage(message, ORIGIN);
    });
    return true;
  };

  Field.prototype._applyClasses = function () {
    var classes = this._options.classes || {};
    var element = this._element;
    var state = this._state;
    if (!element) return;
    CLASS_STATES.forEach(function (name) {
      if (classes[name]) element.classList.toggle(classes[name], !!state[name]);
    });
  };

  function CustomCheckout() {
    var self = this;
    made += 1;
    this._id = "cc" + made + "x" + Math.random().toString(36).slice(2, 10);
    this._fields = {};
    this._handlers = {};
    this._requests = {};
    this._requestCount = 0;
    window.addEventListener("message", function (event) { self._receive(event); });
  }

  CustomCheckout.prototype.create = function (type, options) {
    if (!Object.prototype.hasOwnProperty.call(TYPES, type)) {
      throw new Error("customcheckout: unknown field type " + JSON.stringify(type)
        + " (expected 'card-number', 'cvv' or 'expiry')");
    }
    if (this._fields[type] && this._fields[type]._iframe) {
      throw new Error("customcheckout: a " + type + " field is already mounted for this checkout");
    }
    options = options || {};
    if (typeof options !== "object") throw new Error("customcheckout: options must be an object");
    if (options.brands !== undefined && options.brands !== null) {
      if (type !== "card-number") throw new Error("customcheckout: brands is an option of the card-number field only");
      if (!Array.isArray(options.brands) || !options.brands.length) {
        throw new Error("customcheckout: brands must be a non-empty array");
      }
      options.brands.forEach(function (brand) {
        if (BRANDS.indexOf(brand) < 0) throw new Error("customcheckout: unknown brand " + JSON.stringify(brand));
      });
    }
    var field = new Field(this, type, options);
    this._fields[type] = field;
    return field;
  };

  CustomCheckout.prototype.on = function (name, handler) {
    if (EVENTS.indexOf(name) < 0) throw new Error("customcheckout: unknown event " + JSON.stringify(name));
    if (typeof handler !== "function") throw new Error("customcheckout: the " + name + " handler must be a function");
    (this._handlers[name] = this._handlers[name] || []).push(handler);
  };

  CustomCheckout.prototype.createToken = function (callback) {
    if (typeof callback !== "function") throw new Error("customcheckout: createToken needs a callback");
    var number = this._fields["card-number"];
    if (!number || !number._iframe) {
      later(function () {
        var spec = TYPES["card-number"];
        callback({ error: { field: "card-number", type: spec.error, message: spec.message } });
      });
      return;
    }
    var self = this;
    this._requestCount += 1;
    var request = this._id + "-" + this._requestCount;
    var timer = setTimeout(function () {
      self._answer(request, { error: { field: "", type: "TokenizationFailed",
        message: "The card could not be processed: no answer from the card form." } });
    }, TOKEN_TIMEOUT_MS);
    this._requests[request] = { callback: callback, timer: timer };
    number._post({ kind: "tokenize", request: request });
  };

  CustomCheckout.prototype._answer = function (request, result) {
    var pending = this._requests[request];
    if (!pending) return;
    delete this._requests[request];
    clearTimeout(pending.timer);
    pending.callback(result);
  };

  CustomCheckout.prototype._emit = function (name, detail) {
    (this._handlers[name] || []).forEach(function (handler) {
      try { handler(detail); } catch (error) { later(function () { throw error; }); }
    });
  };

  CustomCheckout.prototype._receive = function (event) {
    if (event.origin !== ORIGIN) return;
    var data = event.data;
    if (!data || typeof data !== "object" || data.protocol !== PROTOCOL || data.checkout !== this._id) return;
    var field = this._fields[data.field];
    if (!field || !field._iframe || event.source !== field._iframe.contentWindow) return;
    if (data.kind === "ready") {
      field._resolveReady();
    } else if (data.kind === "update") {
      var state = data.state || {};
      field._state = { empty: !!state.empty, complete: !!state.complete, error: !!state.error, focus: !!state.focus };
      field._applyClasses();
      var self = this;
      (data.events || []).forEach(function (item) {
        if (EVENTS.indexOf(item.name) < 0) return;
        var detail = { field: field.type };
        Object.keys(item.detail || {}).forEach(function (key) { detail[key] = item.detail[key]; });
        self._emit(item.name, detail);
      });
    } else if (data.kind === "token" && data.field === "card-number") {
      this._answer(data.request, data.result);
    }
  };

  window.customcheckout = function () { return new CustomCheckout(); };
})();
