/* The asset page updates itself while renditions are built: it polls the status JSON named
   by .aia-state[data-status-url] and swaps in the re-rendered state and renditions panels
   (the form's other fields are left alone, so typing is never lost). No inline script (CSP). */
(function () {
  "use strict";
  var FIRST = 2000, MAX = 15000;

  function swap(selector, html) {
    var old = document.querySelector(selector);
    if (!old || !html) return;
    if (selector === ".aia-state") {
      var holder = document.createElement("div");
      holder.innerHTML = html;
      old.replaceWith(holder.firstElementChild);
    } else {
      old.innerHTML = html;
    }
  }

  function poll(url, delay, failures) {
    failures = failures || 0;
    if (failures > 20) return; // logged out or the server is gone: stop asking
    window.setTimeout(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (data) {
          swap(".aia-state", data.state_html);
          swap(".field-renditions .readonly", data.renditions_html);
          if (data.building) poll(url, Math.min(MAX, delay * 1.5), 0);
        })
        .catch(function () { poll(url, MAX, failures + 1); });
    }, delay);
  }

  function start() {
    var state = document.querySelector(".aia-state[data-status-url]");
    if (state && state.dataset.pending) poll(state.dataset.statusUrl, FIRST);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
