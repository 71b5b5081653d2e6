// Practice pages (self-check, review, calendar feed): small enhancements; every page works without them.
// - a submit button with data-confirm asks before it submits (resetting or turning off the calendar feed);
// - after a failed submission the error summary takes the focus, after a review its result does.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    const submitter = event.submitter;
    if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) {
      event.preventDefault();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    const target = document.getElementById("error-summary") ||
      (window.location.hash === "#last-review" ? document.getElementById("last-review") : null);
    if (target) target.focus();
  });
})();
