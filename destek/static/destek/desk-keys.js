/* Destek agent desk: keyboard shortcuts (the cheat sheet in desk/_keys.html, opened with "?").
 *
 * j/k move a selection through the queue's rows, o/Enter open it, a assigns it (or the open
 * ticket) to me through the bulk endpoint, s focuses a status control, r/n the reply box as a
 * reply or an internal note, m the ticket's macros (desk-macros.js: type to filter, Enter
 * applies), / the queue's search, g then i the inbox. Nothing fires while
 * the agent types in a field, except Escape, which leaves the field.
 */
(function () {
  "use strict";

  var keys = document.getElementById("desk-keys");
  if (!keys) return;

  var SEQUENCE_MS = 1500;
  var TEXT_INPUTS = /^(text|search|email|number|password|url|tel|date|datetime-local|month|time|week)$/;
  var pendingG = 0;
  var selectedId = null;  // the selected queue row's ticket id, kept across live refreshes

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable || el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && TEXT_INPUTS.test((el.type || "text").toLowerCase());
  }

  function ticketView() { return document.querySelector("[data-testid=ticket][data-ticket-id]"); }
  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("#queue-body tr[data-ticket-id]"));
  }
  function selectedRow() {
    return selectedId ? document.getElementById("queue-row-" + selectedId) : null;
  }

  function select(row) {
    rows().forEach(function (r) {
      r.classList.remove("queue-row-selected");
      r.removeAttribute("aria-selected");
    });
    if (!row) { selectedId = null; return; }
    selectedId = row.dataset.ticketId;
    row.classList.add("queue-row-selected");
    row.setAttribute("aria-selected", "true");
    row.tabIndex = -1;
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = rows();
    if (!list.length) return false;
    var at = list.indexOf(selectedRow());
    var next = at < 0 ? (step > 0 ? 0 : list.length - 1)
                      : Math.min(list.length - 1, Math.max(0, at + step));
    select(list[next]);
    return true;
  }

  // A live refresh replaces the rows: select the same ticket again if it is still listed.
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target.id !== "queue-body" || !selectedId) return;
    var row = selectedRow();
    if (row) {
      var hadFocus = document.activeElement === document.body;
      row.classList.add("queue-row-selected");
      row.setAttribute("aria-selected", "true");
      row.tabIndex = -1;
      if (hadFocus) row.focus({ preventScroll: true });
    } else {
      selectedId = null;
    }
  });

  function openSelected() {
    var row = selectedRow();
    var link = row && row.querySelector("a[href]");
    if (link) { location.href = link.href; return true; }
    return false;
  }

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function post(url, fields) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = url;
    form.hidden = true;
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function currentTicketId() {
    var view = ticketView();
    if (view) return view.dataset.ticketId;
    var row = selectedRow();
    return row ? row.dataset.ticketId : null;
  }

  function assignToMe() {
    var id = currentTicketId();
    if (!id) return false;
    post(keys.dataset.bulkUrl, {
      csrfmiddlewaretoken: csrfToken(),
      ticket: id,
      assignee: keys.dataset.userId,
      next: location.pathname + location.search
    });
    return true;
  }

  function focusStatus() {
    var control = document.querySelector("[data-testid=field-status]");
    if (!control) {
      // The queue: the bulk bar's status for the selected row.
      var row = selectedRow();
      var box = row && row.querySelector("input[name=ticket]");
      if (box) box.checked = true;
      control = document.querySelector("[data-testid=bulk-status]");
    }
    if (!control) return false;
    control.focus();
    control.scrollIntoView({ block: "nearest" });
    return true;
  }

  function focusReply(internal) {
    var area = document.getElementById("reply-body");
    var toggle = document.querySelector("[data-testid=note-toggle]");
    if (!area) return false;
    if (toggle && toggle.checked !== internal) {
      toggle.checked = internal;
      toggle.dispatchEvent(new Event("change", { bubbles: true }));
    }
    if (area.dataset.caretPlaced !== "1") {
      // A box not written in yet: the caret at the end of the text above any signature.
      var signature = /(^|\n)-- ?(\r?\n|$)/.exec(area.value);
      var at = signature ? signature.index : area.value.length;
      area.setSelectionRange(at, at);
    }
    area.focus();
    area.scrollIntoView({ block: "nearest" });
    return true;
  }

  function openMacros() {
    var picker = document.getElementById("macro-picker");
    var filter = document.getElementById("macro-filter");
    if (!picker || !filter) return false;
    picker.open = true;
    filter.focus();
    picker.scrollIntoView({ block: "nearest" });
    return true;
  }

  function focusSearch() {
    var search = document.querySelector("[data-testid=queue-search]");
    if (!search) {
      location.href = keys.dataset.inboxUrl + "#q";
      return true;
    }
    search.focus();
    search.select();
    return true;
  }

  function showHelp() {
    var modal = document.getElementById("keys-help");
    if (!modal || !window.bootstrap) return false;
    window.bootstrap.Modal.getOrCreateInstance(modal).show();
    return true;
  }

  var ACTIONS = {
    "j": function () { return move(1); },
    "k": function () { return move(-1); },
    "o": openSelected,
    "a": assignToMe,
    "s": focusStatus,
    "r": function () { return focusReply(false); },
    "n": function () { return focusReply(true); },
    "m": openMacros,
    "/": focusSearch,
    "?": showHelp
  };

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.isComposing) return;
    var target = e.target;
    if (e.key === "Escape") {
      if (isTyping(target)) target.blur();
      return;
    }
    if (isTyping(target) || document.querySelector(".modal.show")) return;
    var afterG = pendingG && Date.now() - pendingG < SEQUENCE_MS;
    pendingG = 0;
    if (afterG && e.key === "i") {
      e.preventDefault();
      location.href = keys.dataset.inboxUrl;
      return;
    }
    if (e.key === "g") { pendingG = Date.now(); return; }
    if (e.key === "Enter") {
      // Only on a selected row (or nothing): a focused link or button keeps its own Enter.
      if ((target === document.body || target.matches("tr[data-ticket-id]")) && openSelected()) {
        e.preventDefault();
      }
      return;
    }
    var action = ACTIONS[e.key];
    if (action && action()) e.preventDefault();
  });

  // A saved view's tab is the current one: the built-in tab with the same base queue is not.
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target.id !== "saved-view-tabs") return;
    if (!e.detail.target.querySelector("[aria-current=page]")) return;
    document.querySelectorAll("[data-testid=queue-tabs] .nav-link.active").forEach(function (a) {
      a.classList.remove("active");
    });
  });

  // Arriving from "/" on another page: the queue's search, focused.
  if (location.hash === "#q") {
    var search = document.querySelector("[data-testid=queue-search]");
    if (search) search.focus();
  }
})();
