// Portfolio enhancements; every page works without this file.
"use strict";

(function () {
  // "Copy link": the button is hidden until JavaScript can make it work. The Clipboard API needs a
  // secure context (HTTPS or localhost); elsewhere, or if the browser refuses, the link is selected
  // and the status line says how to copy it by hand.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var input = document.querySelector(button.getAttribute("data-copy"));
    var box = button.closest(".share-box");
    var status = box && box.querySelector("[data-copy-status]");
    if (!input) return;
    button.hidden = false;
    function say(text) {
      if (status) status.textContent = text;
    }
    function byHand() {
      input.focus();
      input.select();
      say("Copying is not available in this browser: the link is selected, press Ctrl+C (⌘C on a Mac) to copy it.");
    }
    button.addEventListener("click", function () {
      if (!(navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext)) {
        byHand();
        return;
      }
      navigator.clipboard.writeText(input.value).then(function () {
        say(button.getAttribute("data-copied-label") || "Copied");
      }, byHand);
    });
  });

  // Move focus to the error summary after a failed save.
  var summary = document.querySelector("[data-focus-on-load]");
  if (summary) summary.focus();

  // Drag and drop to reorder my projects (the up/down buttons do the same without JavaScript). The
  // list moves while dragging; if the drop is not saved (dropped elsewhere, refused by the server, no
  // network), the list goes back to the order that is saved and the status line says so.
  var rows = document.querySelector("[data-reorder-url]");
  if (rows) {
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var status = document.createElement("p");
    status.className = "small reorder-status";
    status.setAttribute("role", "status");
    rows.parentNode.insertBefore(status, rows);
    var dragged = null;
    var saved = null;
    var dropped = false;
    var restore = function () {
      saved.forEach(function (row) { rows.appendChild(row); });
    };
    rows.querySelectorAll("[data-id]").forEach(function (row) {
      row.setAttribute("draggable", "true");
      row.addEventListener("dragstart", function (event) {
        dragged = row;
        dropped = false;
        saved = Array.prototype.slice.call(rows.querySelectorAll("[data-id]"));
        status.textContent = "";
        row.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
      });
      row.addEventListener("dragend", function () {
        row.classList.remove("is-dragging");
        if (!dropped && saved) restore();
        dragged = null;
      });
      row.addEventListener("dragover", function (event) {
        if (!dragged || dragged === row) return;
        event.preventDefault();
        var box = row.getBoundingClientRect();
        var after = event.clientY > box.top + box.height / 2;
        rows.insertBefore(dragged, after ? row.nextSibling : row);
      });
      row.addEventListener("drop", function (event) {
        event.preventDefault();
        dropped = true;
        var before = saved;
        var body = new FormData();
        rows.querySelectorAll("[data-id]").forEach(function (r) { body.append("order", r.getAttribute("data-id")); });
        status.textContent = "Saving the new order…";
        var failed = function () {
          saved = before;
          restore();
          status.textContent = "The new order could not be saved, so the list is back as it was. Try again, or use the ↑ and ↓ buttons.";
        };
        fetch(rows.getAttribute("data-reorder-url"), {
          method: "POST",
          body: body,
          headers: { "X-CSRFToken": token ? token.value : "" },
          credentials: "same-origin",
        }).then(function (r) {
          // Reload so that the up/down buttons and positions match what was saved.
          if (r.ok) window.location.reload();
          else failed();
        }, failed);
      });
    });
  }

  var form = document.querySelector("form[data-preview-url]");
  if (!form) return;
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");

  // Markdown preview in place, without leaving the page (the server-side preview is the fallback).
  function preview(name) {
    var textarea = form.querySelector("textarea[name=" + name + "]");
    var box = form.querySelector("[data-preview-for=" + name + "]");
    if (!textarea || !box) return;
    var body = new FormData();
    body.append("text", textarea.value);
    fetch(form.getAttribute("data-preview-url"), {
      method: "POST",
      body: body,
      headers: { "X-CSRFToken": csrf ? csrf.value : "" },
      credentials: "same-origin",
    })
      .then(function (r) {
        if (!r.ok) throw new Error("preview failed");
        return r.text();
      })
      .then(function (html) {
        // The server returns HTML already sanitised by nh3.
        box.innerHTML = '<p class="eyebrow">Preview</p>' + (html || '<p class="muted">Nothing to preview.</p>');
        box.hidden = false;
        if (name === "overview") box.scrollIntoView({ block: "nearest", behavior: "smooth" });
      })
      .catch(function () {
        box.hidden = true;
      });
  }
  var button = form.querySelector("[data-preview-button]");
  if (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      preview("overview");
      preview("deployment");
    });
  }
  form.querySelectorAll("textarea[data-preview]").forEach(function (textarea) {
    var timer;
    textarea.addEventListener("input", function () {
      var box = form.querySelector("[data-preview-for=" + textarea.name + "]");
      if (!box || box.hidden) return;
      clearTimeout(timer);
      timer = setTimeout(function () { preview(textarea.name); }, 400);
    });
  });

  // Tag autocomplete for comma-separated lists: each input gets its own list of suggestions that keep
  // the tags already typed, so that the suggestion completes the last tag only.
  var tools = Array.prototype.map.call(document.querySelectorAll("#tech-tools option"), function (o) { return o.value; });
  form.querySelectorAll("input[data-tags]").forEach(function (input) {
    var list = document.createElement("datalist");
    list.id = "tech-tools-" + input.getAttribute("data-tags");
    form.appendChild(list);
    input.setAttribute("list", list.id);
    function refresh() {
      var parts = input.value.split(",");
      var last = parts.pop().trim().toLowerCase();
      var prefix = parts.map(function (p) { return p.trim(); }).filter(Boolean);
      var taken = prefix.map(function (p) { return p.toLowerCase(); });
      var head = prefix.length ? prefix.join(", ") + ", " : "";
      list.textContent = "";
      tools
        .filter(function (t) { return taken.indexOf(t.toLowerCase()) === -1 && t.toLowerCase().indexOf(last) !== -1; })
        .slice(0, 30)
        .forEach(function (t) {
          var option = document.createElement("option");
          option.value = head + t;
          list.appendChild(option);
        });
    }
    input.addEventListener("input", refresh);
    input.addEventListener("focus", refresh);
  });
})();
