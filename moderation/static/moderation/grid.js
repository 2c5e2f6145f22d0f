/* Grid mode: "Select all" and a live count of the selected tiles (the checkboxes work without
 * this script). Loaded as a static file: the CSP allows no inline script. */
(function () {
  "use strict";
  var form = document.querySelector("form.grid-form");
  if (!form) {
    return;
  }
  var bar = form.querySelector(".grid-select-all");
  var all = form.querySelector("input.select-all");
  var count = form.querySelector(".selected-count");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name='selected']"));
  if (!bar || !boxes.length) {
    return;
  }

  function update() {
    var n = boxes.filter(function (box) { return box.checked; }).length;
    count.textContent = n + " selected";
    all.checked = n === boxes.length;
    all.indeterminate = n > 0 && n < boxes.length;
  }

  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
    update();
  });
  boxes.forEach(function (box) { box.addEventListener("change", update); });
  bar.hidden = false;
  update();
})();
