/* Multi-file drag and drop on the asset add page. Each file is posted on its own (XHR, so
   upload progress shows) with the add form's fields, to the JSON upload view: the same form
   validation and ingest as the single-file form, which keeps working without JavaScript.
   Each file's line ends as a link to its asset or as the error the server gave. */
(function () {
  "use strict";

  function line(list, file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "aia-drop-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var result = document.createElement("span");
    result.className = "aia-drop-result";
    result.textContent = "waiting";
    li.append(name, bar, result);
    list.append(li);
    return { li: li, bar: bar, result: result };
  }

  function done(row, status, body) {
    row.bar.value = 100;
    row.result.textContent = "";
    if (status >= 200 && status < 300 && body && body.url) {
      var a = document.createElement("a");
      a.href = body.url;
      a.textContent = (body.created ? "Uploaded: " : "Already stored: ") + body.title;
      row.result.append(a);
      row.li.className = "aia-done";
      return;
    }
    var error = (body && body.error) || {};
    row.li.className = "aia-failed";
    row.result.textContent = "Refused: " + (error.message || "the server answered " + status) +
      (error.code ? " (" + error.code + ")" : "");
  }

  function send(url, form, file, row) {
    return new Promise(function (resolve) {
      var data = new FormData(form);
      data.set("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) row.bar.value = Math.round((e.loaded / e.total) * 95);
      };
      xhr.onload = function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        done(row, xhr.status, body);
        resolve();
      };
      xhr.onerror = function () { done(row, 0, null); resolve(); };
      row.result.textContent = "uploading";
      xhr.send(data);
    });
  }

  function upload(section, form, files) {
    var list = section.querySelector(".aia-drop-list");
    var url = section.dataset.uploadUrl;
    var rows = Array.prototype.map.call(files, function (f) { return [f, line(list, f)]; });
    return rows.reduce(function (chain, pair) {
      return chain.then(function () { return send(url, form, pair[0], pair[1]); });
    }, Promise.resolve());
  }

  function start() {
    var section = document.querySelector(".aia-drop[data-upload-url]");
    var form = document.getElementById("asset_form");
    if (!section || !form) return;
    section.hidden = false;
    var zone = section.querySelector(".aia-drop-zone");
    var input = section.querySelector(".aia-drop-input");
    input.addEventListener("change", function () {
      upload(section, form, input.files).then(function () { input.value = ""; });
    });
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("aia-over"); });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("aia-over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("aia-over");
      if (e.dataTransfer && e.dataTransfer.files.length) upload(section, form, e.dataTransfer.files);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
