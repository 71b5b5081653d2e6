// Progress controls on a step page, enhanced: the forms still post and redirect without JavaScript;
// with it they are sent with fetch() and the page updates in place (topic states, every progress bar,
// notes). Keyboard: with focus inside a topic, n / l / d / s set not started / learning / done / skipped.
"use strict";

(function () {
  const live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  live.setAttribute("aria-live", "polite");
  document.body.appendChild(live);

  function announce(text) {
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  // Send the form the old way (navigation), e.g. when the session expired and we got a login page.
  function submitNormally(form, submitter) {
    if (submitter && submitter.name) {
      const hidden = document.createElement("input");
      hidden.type = "hidden";
      hidden.name = submitter.name;
      hidden.value = submitter.value;
      form.appendChild(hidden);
    }
    form.dataset.plain = "1";
    HTMLFormElement.prototype.submit.call(form);
  }

  async function send(form, submitter) {
    const body = new FormData(form);
    if (submitter && submitter.name) body.set(submitter.name, submitter.value);
    // getAttribute: a control named "action" inside the form would shadow form.action.
    const response = await fetch(form.getAttribute("action") || window.location.href, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-Requested-With": "fetch" },
    });
    const type = response.headers.get("Content-Type") || "";
    if (!type.includes("application/json")) return null;
    const data = await response.json();
    if (!response.ok) throw new Error(data.error || "Something went wrong.");
    return data;
  }

  function updateTopics(topics) {
    Object.keys(topics).forEach(function (slug) {
      const item = document.getElementById("topic-" + slug);
      if (!item) return;
      const state = topics[slug].state;
      item.dataset.state = state;
      item.querySelectorAll("button[name=status]").forEach(function (button) {
        button.setAttribute("aria-pressed", button.value === state ? "true" : "false");
      });
    });
  }

  function updateBars(bars) {
    Object.keys(bars).forEach(function (id) {
      const counts = bars[id];
      document.querySelectorAll('[data-progress="' + id + '"]').forEach(function (box) {
        const text = box.querySelector("[data-progress-text]");
        const bar = box.querySelector("[data-progress-bar]");
        if (text) text.textContent = counts.done + " of " + counts.total + " \u00b7 " + counts.percent + "%";
        if (bar) {
          bar.value = counts.percent;
          bar.textContent = counts.percent + "%";
          const label = (bar.getAttribute("aria-label") || "").replace(/: \d+%$/, "");
          bar.setAttribute("aria-label", label + ": " + counts.percent + "%");
        }
      });
    });
  }

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    const isProgress = form.matches("[data-progress-form]");
    const isNote = form.matches("[data-note-form]");
    if ((!isProgress && !isNote) || form.dataset.plain) return;
    const submitter = event.submitter;
    if (submitter && submitter.dataset.confirm && !window.confirm(submitter.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    if (form.dataset.busy) return;
    form.dataset.busy = "1";
    form.setAttribute("aria-busy", "true");
    try {
      const data = await send(form, submitter);
      if (data === null) {
        submitNormally(form, submitter);
        return;
      }
      if (isProgress) {
        updateTopics(data.topics);
        updateBars(data.bars);
        announce(data.message);
      } else {
        const item = form.closest(".topic");
        const html = item.querySelector("[data-note-html]");
        html.innerHTML = data.note_html; // sanitised on the server (nh3)
        html.hidden = !data.note_html;
        item.querySelector("[data-note-summary]").textContent = data.note ? "Edit your note" : "Add a private note";
        const status = form.querySelector("[data-note-status]");
        status.textContent = data.note ? "Saved." : "Note removed.";
      }
      if (submitter) submitter.focus();
    } catch (error) {
      announce(error.message);
      window.alert(error.message);
    } finally {
      delete form.dataset.busy;
      form.removeAttribute("aria-busy");
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const target = event.target;
    if (target.closest("textarea, input, select, [contenteditable], summary")) return;
    const item = target.closest(".topic");
    if (!item) return;
    const button = item.querySelector('button[name=status][data-key="' + event.key + '"]');
    if (!button) return;
    event.preventDefault();
    button.form.requestSubmit(button);
  });
})();
