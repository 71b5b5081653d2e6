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
