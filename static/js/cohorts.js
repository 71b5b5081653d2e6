// Cohorts: a "Copy" button next to each join link (the link stays selectable without JavaScript).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 2000);
      }, function () {
        input.select();
      });
    });
  });
  document.querySelectorAll(".invite-url").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
