/* Destek agent desk: live queue refresh, presence badges, canned responses, bulk selection.
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
      if (option && option.value && area) {
        var start = area.selectionStart || 0;
        var end = area.selectionEnd || 0;
        area.value = area.value.slice(0, start) + option.dataset.body + area.value.slice(end);
        area.focus();
        area.selectionStart = area.selectionEnd = start + option.dataset.body.length;
        area.dispatchEvent(new Event("input", { bubbles: true }));
      }
      target.value = "";
    }
  });

  var toggle = document.querySelector("[data-testid=note-toggle]");
  if (toggle && toggle.checked) toggle.dispatchEvent(new Event("change", { bubbles: true }));

  if ("WebSocket" in window) connect();
})();
