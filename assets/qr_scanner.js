/*
 * Giftnet's in-page QR scanner for the counter (/redeem): app/components/qr_scanner.py.
 *
 * window.GiftnetQrScanner:
 *   start(videoId) -> Promise<{status, detail}>: opens the camera (the rear one where there is one)
 *     into the <video id=videoId>; status is "scanning", "denied" (the browser or the person refused
 *     the camera), "no_camera", "unsupported" (no camera API here: an http address, an old browser)
 *     "reload" (this document's Permissions-Policy refuses the camera: it was reached by an in-app
 *     navigation from a page without it, e.g. a card page opened by the camera app; a fresh load
 *     of /redeem has it) or "error" (detail says what).
 *   next(ignoreText) -> Promise<string>: the next QR code read that is not ignoreText; "" once stopped.
 *   stop(): closes the camera.
 *
 * QR codes are read with the browser's BarcodeDetector where it reads QR codes, else with jsQR (the
 * npm package, installed by `make deps` into .tools and copied to assets/vendor/jsQR.js).
 * The camera closes by itself when its <video> leaves the page, and when the page is left.
 */
(function () {
  "use strict";

  var DECODER_SRC = "/vendor/jsQR.js";
  var FRAME_MS = 150;
  var MAX_SIDE = 800;

  var stream = null;
  var video = null;
  var read = null;
  var running = false;
  var waiter = null;
  var ignore = "";
  var busy = false;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function waitForElement(id, ms) {
    var until = Date.now() + ms;
    return new Promise(function (resolve) {
      (function look() {
        var element = document.getElementById(id);
        if (element || Date.now() > until) { resolve(element); return; }
        setTimeout(look, 50);
      })();
    });
  }

  async function nativeReader() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      var formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.indexOf("qr_code") < 0) return null;
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async function (source) {
        var found = await detector.detect(source);
        return found.length ? found[0].rawValue : null;
      };
    } catch (error) {
      return null;
    }
  }

  async function jsqrReader() {
    if (!window.jsQR) await loadScript(DECODER_SRC);
    if (!window.jsQR) throw new Error("the QR decoder did not load");
    var canvas = document.createElement("canvas");
    var context = canvas.getContext("2d", { willReadFrequently: true });
    return async function (source) {
      var width = source.videoWidth, height = source.videoHeight;
      if (!width || !height) return null;
      var scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var code = window.jsQR(image.data, canvas.width, canvas.height, { inversionAttempts: "attemptBoth" });
      return code && code.data ? code.data : null;
    };
  }

  function cameraRefusal(error) {
    var name = (error && error.name) || "";
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
      return { status: "denied", detail: "" };
    }
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") {
      return { status: "no_camera", detail: "" };
    }
    if (name === "NotReadableError" || name === "TrackStartError") {
      return { status: "error", detail: "the camera is in use by another app" };
    }
    return { status: "error", detail: (error && error.message) || String(error) };
  }

  function stop() {
    running = false;
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
    }
    stream = null;
    if (video) {
      try { video.srcObject = null; } catch (error) { /* gone already */ }
    }
    video = null;
    if (waiter) {
      var resolve = waiter;
      waiter = null;
      resolve("");
    }
  }

  async function tick() {
    if (!running) return;
    if (!video || !video.isConnected) { stop(); return; }
    if (waiter && !busy && video.readyState >= 2) {
      busy = true;
      try {
        var text = await read(video);
        if (text && text !== ignore && waiter) {
          var resolve = waiter;
          waiter = null;
          resolve(text);
        }
      } catch (error) {
        /* a frame that could not be read: try the next one */
      } finally {
        busy = false;
      }
    }
    setTimeout(tick, FRAME_MS);
  }

  async function start(videoId) {
    stop();
    if (!window.isSecureContext || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return { status: "unsupported", detail: "" };
    }
    var policy = document.permissionsPolicy || document.featurePolicy;
    if (policy && policy.allowsFeature && !policy.allowsFeature("camera")) {
      return { status: "reload", detail: "" };
    }
    var element = await waitForElement(videoId, 5000);
    if (!element) return { status: "error", detail: "the scanner's view did not appear" };
    try {
      read = (await nativeReader()) || (await jsqrReader());
    } catch (error) {
      return { status: "error", detail: "the QR decoder did not load" };
    }
    var opened;
    try {
      opened = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        audio: false,
      });
    } catch (error) {
      return cameraRefusal(error);
    }
    stop();
    stream = opened;
    video = element;
    video.muted = true;
    video.setAttribute("playsinline", "");
    video.srcObject = stream;
    try { await video.play(); } catch (error) { /* autoplay of a muted video: plays once data arrives */ }
    running = true;
    setTimeout(tick, 0);
    return { status: "scanning", detail: "" };
  }

  function next(ignoreText) {
    ignore = ignoreText || "";
    return new Promise(function (resolve) {
      if (!running) { resolve(""); return; }
      if (waiter) waiter("");
      waiter = resolve;
    });
  }

  window.addEventListener("pagehide", stop);
  window.GiftnetQrScanner = { start: start, next: next, stop: stop };
})();
