// Small enhancements only: every page works without this file.
"use strict";

// Sign-up: send the browser's time zone, so that the learner's days and plan dates are their own.
document.querySelectorAll("input[data-detect-timezone]").forEach(function (input) {
  try {
    input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    // No Intl time zone support: the account starts in UTC, changeable in the settings.
  }
});

// Dashboard: an account on UTC (made with GitHub, or in a browser without this script) is offered the
// browser's time zone, unless the learner chose to keep UTC in this browser.
document.querySelectorAll("form[data-timezone-offer]").forEach(function (form) {
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (error) {
    return;
  }
  var kept = false;
  try {
    kept = window.localStorage.getItem("timezone-keep-utc") === "1";
  } catch (error) {
    // No storage: the offer shows until the learner answers it.
  }
  if (!zone || zone === "UTC" || zone === "Etc/UTC" || kept) {
    return;
  }
  form.elements.timezone.value = zone;
  form.querySelectorAll("[data-timezone-name]").forEach(function (element) {
    element.textContent = zone;
  });
  form.querySelector("[data-timezone-keep]").addEventListener("click", function () {
    try {
      window.localStorage.setItem("timezone-keep-utc", "1");
    } catch (error) {
      // Hidden for this page view only.
    }
    form.hidden = true;
  });
  form.hidden = false;
});
