/* The focal rectangle widget of the asset admin (aiassets/focal_admin.py).
   Click the subject (a point) or drag a rectangle; the value "left,top,right,bottom" in
   fractions of the image goes into the form's hidden focal_rect input and is saved with it.
   Crop previews draw the focal rectangle from their data-focal. No inline script or style. */
(function () {
  "use strict";

  function parse(text) {
    var v = (text || "").split(",").map(Number);
    return v.length === 4 && v.every(function (n) { return isFinite(n); }) ? v : null;
  }

  function draw(box, rect) {
    if (!rect) { box.hidden = true; return; }
    var point = rect[2] - rect[0] < 0.005 && rect[3] - rect[1] < 0.005;
    box.hidden = false;
    box.classList.toggle("aia-focal-point", point);
    box.style.left = (rect[0] * 100) + "%";
    box.style.top = (rect[1] * 100) + "%";
    box.style.width = point ? "" : ((rect[2] - rect[0]) * 100) + "%";
    box.style.height = point ? "" : ((rect[3] - rect[1]) * 100) + "%";
  }

  function clamp(n) { return Math.min(1, Math.max(0, n)); }

  function fraction(stage, event) {
    var r = stage.getBoundingClientRect();
    return [clamp((event.clientX - r.left) / r.width), clamp((event.clientY - r.top) / r.height)];
  }

  function widget(root) {
    var stage = root.querySelector(".aia-focal-stage");
    var box = stage.querySelector(".aia-focal-rect");
    var input = root.querySelector(".aia-focal-input");
    var label = root.querySelector(".aia-focal-value");
    var start = null;
    draw(box, parse(input.value));

    function set(a, b) {
      var rect = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
      input.value = rect.map(function (n) { return n.toFixed(4); }).join(",");
      if (label) { label.textContent = input.value + " (not saved yet)"; }
      draw(box, rect);
    }

    stage.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      start = fraction(stage, event);
      stage.setPointerCapture(event.pointerId);
      set(start, start);
    });
    stage.addEventListener("pointermove", function (event) {
      if (start) { set(start, fraction(stage, event)); }
    });
    stage.addEventListener("pointerup", function (event) {
      if (!start) { return; }
      var end = fraction(stage, event);
      var r = stage.getBoundingClientRect();
      var moved = Math.abs(end[0] - start[0]) * r.width + Math.abs(end[1] - start[1]) * r.height;
      set(start, moved < 4 ? start : end);  /* a click is a point */
      start = null;
    });
  }

  function init() {
    document.querySelectorAll(".aia-focal").forEach(widget);
    document.querySelectorAll(".aia-crop").forEach(function (fig) {
      draw(fig.querySelector(".aia-focal-rect"), parse(fig.dataset.focal));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
