/* Review page keyboard shortcuts (loaded as a static file: the CSP allows no inline script).
 *   a  approve          r  reject: focuses the reason; Enter on a chosen reason rejects
 *   e  escalate         s  skip to the next item without deciding
 * Keys do nothing while focus is in a text field, a select or an editable element, with a
 * modifier held, or after the form was submitted once. Reject never submits without a reason:
 * the server refuses that too. */
(function () {
  "use strict";
  var form = document.querySelector("form.review-actions[data-shortcuts]");
  if (!form) {
    return;
  }
  var reason = form.querySelector("select[name='reason_code']");
  var prompt = form.querySelector(".reason-prompt");
  var missing = form.querySelector(".reason-missing");
  var submitted = false;
  var KEYS = { a: "approve", e: "escalate", s: "skip" };

  function button(action) {
    return form.querySelector("button[name='action'][value='" + action + "']");
  }

  function isTyping(el) {
    if (!el || el === document.body) {
      return false;
    }
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function askReason(isError) {
    prompt.hidden = isError;
    missing.hidden = !isError;
    reason.focus();
  }

  form.addEventListener("submit", function (event) {
    var by = event.submitter;
    if (by && by.value === "reject" && !reason.value) {
      event.preventDefault();
      askReason(true);
      return;
    }
    if (submitted) {
      event.preventDefault();
      return;
    }
    submitted = true;
  });

  reason.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !button("reject")) {
      return;
    }
    event.preventDefault();
    if (reason.value) {
      button("reject").click();
    } else {
      askReason(true);
    }
  });

  reason.addEventListener("change", function () {
    if (reason.value) {
      missing.hidden = true;
    }
  });

  document.addEventListener("keydown", function (event) {
    if (submitted || event.defaultPrevented || event.repeat) {
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
      return;
    }
    var key = event.key;
    if (key === "r" && button("reject")) {
      event.preventDefault();
      askReason(false);
      return;
    }
    var target = KEYS[key] && button(KEYS[key]);
    if (target) {
      event.preventDefault();
      target.click();
    }
  });
})();
