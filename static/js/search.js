// As-you-type search suggestions on every search box marked data-search-suggest="<suggest URL>":
// an ARIA 1.2 combobox (list autocomplete) over the plain GET form, which works without this file.
"use strict";

(function () {
  var DELAY = 180;
  var MIN_LENGTH = 2;
  var counter = 0;

  function setup(box) {
    var input = box.querySelector("input[type=search]");
    var endpoint = box.getAttribute("data-search-suggest");
    if (!input || !endpoint || !window.fetch) {
      return;
    }
    counter += 1;
    var listId = "search-suggestions-" + counter;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "search-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggestions");
    list.hidden = true;
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    box.appendChild(list);
    box.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var timer = null;
    var pending = null;
    var lastQuery = "";
    var active = -1;

    function options() {
      return list.querySelectorAll("[role=option]");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function select(index) {
      var items = options();
      if (!items.length) {
        return;
      }
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    function option(id, url, titleHtml, context) {
      var item = document.createElement("li");
      item.id = id;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.url = url;
      var title = document.createElement("span");
      // Escaped and marked by the server (search.selectors.highlight).
      title.innerHTML = titleHtml;
      item.appendChild(title);
      if (context) {
        var small = document.createElement("small");
        small.textContent = context;
        item.appendChild(small);
      }
      return item;
    }

    function render(data) {
      list.textContent = "";
      active = -1;
      input.removeAttribute("aria-activedescendant");
      var count = 0;
      (data.groups || []).forEach(function (group, g) {
        var heading = document.createElement("li");
        heading.className = "search-option-group";
        heading.setAttribute("role", "presentation");
        heading.textContent = group.label + " (" + group.count + (group.more ? "+" : "") + ")";
        list.appendChild(heading);
        group.results.forEach(function (result, r) {
          list.appendChild(option(listId + "-" + g + "-" + r, result.url, result.title_html, result.context));
          count += 1;
        });
      });
      if (!count) {
        status.textContent = "No suggestions.";
        close();
        return;
      }
      var all = option(listId + "-all", data.url, "", "");
      all.classList.add("search-option-all");
      all.firstChild.textContent = "All results for “" + data.query + "”";
      list.appendChild(all);
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = count + " suggestion" + (count === 1 ? "" : "s") + ": use the up and down arrow keys.";
    }

    function fetchSuggestions() {
      var query = input.value.trim();
      if (query === lastQuery && !list.hidden) {
        return;
      }
      lastQuery = query;
      if (pending) {
        pending.abort();
      }
      if (query.length < MIN_LENGTH) {
        close();
        return;
      }
      pending = window.AbortController ? new AbortController() : null;
      fetch(endpoint + "?q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: pending ? pending.signal : undefined,
      })
        .then(function (response) {
          return response.ok ? response.json() : { groups: [] };
        })
        .then(function (data) {
          if (input.value.trim() === query) {
            render(data);
          }
        })
        .catch(function () {
          // Aborted by a newer query, or offline: the form still submits.
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (list.hidden) {
          if (options().length) {
            list.hidden = false;
            input.setAttribute("aria-expanded", "true");
          } else {
            return;
          }
        }
        event.preventDefault();
        select(event.key === "ArrowDown" ? active + 1 : active - 1);
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        window.location.assign(options()[active].dataset.url);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") {
        close();
      }
    });

    // Keep the focus in the box while choosing with the mouse.
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var item = event.target.closest("[role=option]");
      if (item) {
        window.location.assign(item.dataset.url);
      }
    });
    input.addEventListener("blur", close);
  }

  document.querySelectorAll("[data-search-suggest]").forEach(setup);
})();
