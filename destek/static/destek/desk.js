/* Destek agent desk: live queue refresh, presence badges, canned responses, bulk selection,
 * SLA countdowns and alerts.
 *
 * The WebSocket only says "ticket N changed" or "Ayşe is viewing ticket N"; data is always
 * re-fetched over HTTP (htmx) through the server's permission checks.
 */
(function () {
  "use strict";

  var live = document.getElementById("desk-live");
  if (!live) return;

  var userId = parseInt(live.dataset.userId, 10);
  var ticketId = parseInt(live.dataset.ticketId || "", 10) || null;
  var labels = {
    online: live.dataset.labelOnline,
    offline: live.dataset.labelOffline,
    viewing: live.dataset.labelViewing,
    typing: live.dataset.labelTyping
  };
  var COUNTDOWN_MS = 30000;

  var HEARTBEAT_MS = 20000;
  var VIEWING_TTL_MS = 50000;
  var TYPING_TTL_MS = 8000;
  var TYPING_THROTTLE_MS = 4000;
  var REFRESH_DEBOUNCE_MS = 400;
  var MAX_BACKOFF_MS = 30000;

  var socket = null;
  var attempts = 0;
  var heartbeat = null;
  var everConnected = false;

  // --- connection -------------------------------------------------------------------------

  function setStatus(online) {
    var badge = document.getElementById("live-status");
    if (!badge) return;
    badge.textContent = online ? labels.online : labels.offline;
    badge.dataset.state = online ? "online" : "offline";
    badge.className = "badge " + (online ? "text-bg-success" : "text-bg-secondary");
  }

  function send(payload) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(payload));
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + live.dataset.wsPath);
    socket.onopen = function () {
      attempts = 0;
      setStatus(true);
      if (everConnected) refreshQueue();  // events may have been missed while away
      everConnected = true;
      if (ticketId) {
        send({ action: "viewing", ticket_id: ticketId, joined: true });
        clearInterval(heartbeat);
        heartbeat = setInterval(function () {
          send({ action: isTyping() ? "typing" : "viewing", ticket_id: ticketId });
        }, HEARTBEAT_MS);
      }
    };
    socket.onmessage = function (e) {
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (data.type === "ticket.changed") onTicketChanged(data);
      else if (data.type === "presence") onPresence(data);
      else if (data.type === "sla.alert") onSlaAlert(data);
      // Other scripts (desk-notify.js) hear every frame without a socket of their own.
      document.dispatchEvent(new CustomEvent("desk:socket", { detail: data }));
    };
    socket.onclose = function () {
      setStatus(false);
      clearInterval(heartbeat);
      clearAllPresence();
      // Exponential backoff with jitter: 1 s, 2 s, 4 s … up to 30 s.
      var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempts));
      attempts += 1;
      setTimeout(connect, delay / 2 + Math.random() * delay / 2);
    };
  }

  // --- queue ------------------------------------------------------------------------------

  var refreshTimer = null;
  var changedIds = {};

  function refreshQueue() {
    var body = document.getElementById("queue-body");
    if (!body || !window.htmx) return;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () { htmx.trigger(body, "desk-refresh"); },
                              REFRESH_DEBOUNCE_MS);
  }

  function onTicketChanged(data) {
    changedIds[data.ticket_id] = true;
    refreshQueue();
    if (ticketId && data.ticket_id === ticketId) {
      var banner = document.getElementById("ticket-changed");
      if (banner) banner.classList.remove("d-none");
    }
  }

  var checkedBeforeSwap = [];
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail.target.id !== "queue-body") return;
    checkedBeforeSwap = Array.prototype.map.call(
      e.detail.target.querySelectorAll("input[name=ticket]:checked"),
      function (box) { return box.value; });
  });
  // afterSettle, not afterSwap: htmx re-applies the new rows' attributes while settling,
  // which would wipe a class added any earlier.
  document.addEventListener("htmx:afterSettle", function (e) {
    if (e.detail.target.id !== "queue-body") return;
    checkedBeforeSwap.forEach(function (value) {
      var box = e.detail.target.querySelector("input[name=ticket][value='" + value + "']");
      if (box) box.checked = true;
    });
    markAlertedRows();
    Object.keys(changedIds).forEach(function (id) {
      var row = document.getElementById("queue-row-" + id);
      if (row) {
        row.classList.remove("queue-row-updated");
        void row.offsetWidth;  // restart the highlight animation
        row.classList.add("queue-row-updated");
      }
    });
    changedIds = {};
  });

  document.addEventListener("change", function (e) {
    var target = e.target;
    if (target.matches("[data-select-all]")) {
      document.querySelectorAll("#queue-body input[name=ticket]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
  });

  // --- SLA: countdowns and alerts ---------------------------------------------------------
  // The server renders each deadline (ISO) and its first label; this only re-words them as
  // time passes, with the same translated pieces (data-label-* on #desk-live), no requests.

  function label(name) { return live.getAttribute("data-label-" + name) || ""; }
  function unit(name, n) { return label(name).replace("{n}", String(n)); }

  function countdownText(seconds) {
    var minutes = Math.floor(Math.abs(seconds) / 60);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    var parts;
    if (days) parts = [unit("days", days)].concat(hours ? [unit("hours", hours)] : []);
    else if (hours) parts = [unit("hours", hours)].concat(mins ? [unit("minutes", mins)] : []);
    else parts = [unit("minutes", mins)];
    var pattern = seconds >= 0 ? label("due-in") : label("overdue");
    return pattern.replace("{time}", parts.join(" "));
  }

  var LEVEL_CLASSES = {
    breached: ["text-danger", "fw-semibold"],
    at_risk: ["text-warning-emphasis", "fw-semibold"],
    ok: []
  };

  function updateCountdowns() {
    var now = Date.now();
    document.querySelectorAll("time.sla-countdown").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) return;
      var warn = Date.parse(el.dataset.slaWarn || "");
      var seconds = Math.trunc((due - now) / 1000);
      el.textContent = countdownText(seconds);
      var level = due <= now ? "breached" : (!isNaN(warn) && warn <= now ? "at_risk" : "ok");
      if (el.dataset.slaLevel === level) return;
      el.dataset.slaLevel = level;
      ["text-danger", "text-warning-emphasis", "fw-semibold"].forEach(function (c) {
        el.classList.remove(c);
      });
      LEVEL_CLASSES[level].forEach(function (c) { el.classList.add(c); });
      var row = el.closest("tr[data-sla-level]");
      if (row) row.dataset.slaLevel = level;
    });
  }
  setInterval(updateCountdowns, COUNTDOWN_MS);

  var alerted = {};  // ticket id → alert kind, kept across queue refreshes

  function markAlertedRows() {
    Object.keys(alerted).forEach(function (id) {
      var row = document.getElementById("queue-row-" + id);
      if (!row) return;
      row.classList.add("sla-alerted");
      row.dataset.slaAlert = alerted[id];
    });
  }

  function ticketUrl(id) { return live.dataset.ticketUrl.replace(/\/1\/$/, "/" + id + "/"); }

  /* One alert in the top-right box (SLA alerts here; follow-alerts.js's through
   * window.Destek.showDeskAlert): its text, a link to the ticket and a close button; the box
   * keeps the five newest. */
  function showDeskAlert(o) {
    var box = document.getElementById("sla-alerts");
    if (!box) return;
    var alert = document.createElement("div");
    alert.className = "alert shadow-sm mb-0 d-flex align-items-start gap-2 " + o.tone;
    alert.setAttribute("role", "alert");
    alert.dataset.testid = o.testid;
    Object.keys(o.data || {}).forEach(function (k) { alert.dataset[k] = o.data[k]; });
    var text = document.createElement("span");
    text.className = "me-auto";
    text.textContent = o.text;
    var link = document.createElement("a");
    link.className = "alert-link";
    link.href = ticketUrl(o.ticketId);
    link.textContent = o.openLabel;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", o.closeLabel);
    close.addEventListener("click", function () { alert.remove(); });
    alert.appendChild(text);
    alert.appendChild(link);
    alert.appendChild(close);
    box.appendChild(alert);
    while (box.children.length > 5) box.removeChild(box.firstChild);
  }
  window.Destek = window.Destek || {};
  window.Destek.showDeskAlert = showDeskAlert;

  function onSlaAlert(data) {
    var pattern = label("alert-" + data.kind) || label("alert-sla_breach");
    var target = data.metric ? label("metric-" + data.metric) : "";
    var box = document.getElementById("sla-alerts");
    alerted[data.ticket_id] = data.kind;
    markAlertedRows();
    if (!box || !pattern) return;
    showDeskAlert({
      tone: data.kind === "sla_warning" ? "alert-warning" : "alert-danger",
      testid: "sla-alert-" + data.ticket_id,
      data: {kind: data.kind},
      text: pattern.replace("{reference}", data.reference).replace("{target}", target),
      ticketId: data.ticket_id,
      openLabel: label("alert-open"),
      closeLabel: label("alert-close")
    });
    refreshQueue();  // the row's colour comes from the server's fresh state
  }

  // --- presence ---------------------------------------------------------------------------

  var presence = {};  // user id → {name, state, timer}

  function renderPresence() {
    var box = document.getElementById("presence");
    if (!box) return;
    box.textContent = "";
    Object.keys(presence).forEach(function (id) {
      var p = presence[id];
      var badge = document.createElement("span");
      badge.className = "badge presence-badge " +
        (p.state === "typing" ? "text-bg-warning" : "text-bg-light border");
      badge.dataset.testid = "presence-badge-" + id;
      badge.dataset.state = p.state;
      badge.textContent = (p.state === "typing" ? labels.typing : labels.viewing)
        .replace("{name}", p.name);
      box.appendChild(badge);
    });
  }

  function dropPresence(id) {
    if (presence[id]) clearTimeout(presence[id].timer);
    delete presence[id];
    renderPresence();
  }

  function clearAllPresence() {
    Object.keys(presence).forEach(function (id) { clearTimeout(presence[id].timer); });
    presence = {};
    renderPresence();
  }

  function onPresence(data) {
    if (!ticketId || data.ticket_id !== ticketId || data.user_id === userId) return;
    var id = String(data.user_id);
    if (data.state === "left") { dropPresence(id); return; }
    if (presence[id]) clearTimeout(presence[id].timer);
    presence[id] = {
      name: data.name,
      state: data.state,
      timer: setTimeout(function () { dropPresence(id); },
                        data.state === "typing" ? TYPING_TTL_MS : VIEWING_TTL_MS)
    };
    renderPresence();
    // A newcomer does not know who is already here: answer once so they see us too.
    if (data.joined) send({ action: isTyping() ? "typing" : "viewing", ticket_id: ticketId });
  }

  var lastTyped = 0;
  function isTyping() { return Date.now() - lastTyped < TYPING_TTL_MS; }

  document.addEventListener("input", function (e) {
    if (!ticketId || !e.target.matches("[data-typing-ticket]")) return;
    var now = Date.now();
    if (now - lastTyped > TYPING_THROTTLE_MS) {
      send({ action: "typing", ticket_id: ticketId });
      lastTyped = now;
    }
  });

  window.addEventListener("pagehide", function () {
    if (ticketId) send({ action: "leave", ticket_id: ticketId });
  });

  // --- reply form: note toggle and canned responses ---------------------------------------

  document.addEventListener("change", function (e) {
    var target = e.target;
    if (target.matches("[data-testid=note-toggle]")) {
      var form = target.closest("form");
      var button = form && form.querySelector("[data-testid=reply-submit]");
      if (form) form.classList.toggle("message-internal", target.checked);
      if (button) {
        button.textContent = target.checked ? button.dataset.labelNote : button.dataset.labelReply;
        button.classList.toggle("btn-warning", target.checked);
        button.classList.toggle("btn-primary", !target.checked);
      }
    } else if (target.matches("[data-canned-target]")) {
      var option = target.selectedOptions[0];
      var area = document.getElementById(target.dataset.cannedTarget);
      if (option && option.value && area) insertAboveSignature(area, option.dataset.body);
      target.value = "";
    }
  });

  // Where the agent last put the caret in a reply box: a canned response goes there. One
  // never placed (the box untouched), or placed in the signature, means "above the signature".
  ["keyup", "mouseup", "select", "input"].forEach(function (name) {
    document.addEventListener(name, function (e) {
      if (e.target.tagName === "TEXTAREA") e.target.dataset.caretPlaced = "1";
    });
  });

  function signatureStart(text) {
    // The signature delimiter: a line of "-- " (RFC 3676), or "--" as many people type it.
    var found = /(^|\n)-- ?(\r?\n|$)/.exec(text);
    return found ? found.index + found[1].length : -1;
  }

  function insertAboveSignature(area, text) {
    var value = area.value;
    var start = area.selectionStart || 0;
    var end = area.selectionEnd || 0;
    var signature = signatureStart(value);
    var placed = area.dataset.caretPlaced === "1";
    var caret;
    if (signature >= 0 && (!placed || end > signature)) {
      // Above the signature, with a blank line between them; the caret after the text.
      var above = value.slice(0, signature).replace(/\s+$/, "");
      var lead = above ? above + "\n\n" : "";
      var body = text.replace(/\s+$/, "");
      area.value = lead + body + "\n\n" + value.slice(signature);
      caret = lead.length + body.length;
    } else {
      if (!placed) start = end = value.length;  // an untouched box: after what it holds
      area.value = value.slice(0, start) + text + value.slice(end);
      caret = start + text.length;
    }
    area.focus();
    area.selectionStart = area.selectionEnd = caret;
    area.dataset.caretPlaced = "1";
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  var toggle = document.querySelector("[data-testid=note-toggle]");
  if (toggle && toggle.checked) toggle.dispatchEvent(new Event("change", { bubbles: true }));

  if ("WebSocket" in window) connect();
})();
