/*
 * Giftnet shop widget. Paste on any page:
 *
 *   <script src="https://<giftnet host>/embed.js" data-shop="<operator slug>" async></script>
 *     inserts the shop in an iframe as tall as its content, growing and shrinking with it (the
 *     shop posts its height with postMessage; only messages from the Giftnet origin are
 *     believed), and brought into view when the order's result appears;
 *
 *   <script src="..." data-shop="<slug>" data-mode="button" data-label="Buy a gift card" async></script>
 *     inserts a button that opens the shop in a new tab.
 *
 *   data-lang="fr" (or lang="fr") on either: the shop opens in that language (en / fr), when the
 *   network offers it; without it, the shopper's browser language.
 */
(function () {
  var script = document.currentScript;
  if (!script) return;
  var origin = new URL(script.src, window.location.href).origin;
  var slug = encodeURIComponent(script.getAttribute("data-shop") || "");
  var mode = script.getAttribute("data-mode") || "iframe";
  var lang = (script.getAttribute("data-lang") || script.getAttribute("lang") || "").trim().toLowerCase();
  var query = /^[a-z]{2}([-_][a-z]{2})?$/.test(lang) ? "?lang=" + encodeURIComponent(lang) : "";

  if (mode === "button") {
    var link = document.createElement("a");
    link.href = origin + "/shop/" + slug + query;
    link.target = "_blank";
    link.rel = "noopener";
    link.id = "giftnet-buy-button";
    link.textContent = script.getAttribute("data-label") || "Buy a gift card";
    link.setAttribute("style",
      "display:inline-block;padding:12px 24px;border-radius:8px;background:" +
      (script.getAttribute("data-colour") || "#0f766e") +
      ";color:#fff;font:bold 16px Arial,sans-serif;text-decoration:none;");
    script.parentNode.insertBefore(link, script.nextSibling);
    return;
  }

  var frame = document.createElement("iframe");
  frame.src = origin + "/embed/" + slug + query;
  frame.id = "giftnet-shop-frame";
  frame.title = "Gift cards";
  frame.setAttribute("allow", "payment");
  frame.setAttribute("style", "width:100%;min-height:200px;height:480px;border:0;display:block;");
  script.parentNode.insertBefore(frame, script.nextSibling);

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data || {};
    if (data.type === "giftnet:height" && typeof data.height === "number") {
      frame.style.height = Math.max(200, Math.ceil(data.height)) + "px";
    } else if (data.type === "giftnet:show-top") {
      var top = frame.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.5) frame.scrollIntoView({ block: "start" });
    }
  });
})();
