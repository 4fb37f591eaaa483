/* The desk's chat console: several chats side by side over one socket (ws/chat/agent/).
   Each pane remembers the last seq it showed; after a reconnect it resumes from there and
   re-sends replies the server has not acknowledged (same client ids: never twice). Words come
   from data-label-* attributes rendered by the template (no JavaScript catalog). */
(function () {
  "use strict";
  var root = document.getElementById("chat-console");
  if (!root) return;
  var L = root.dataset, me = Number(L.userId || 0), base = L.base || "/desk/chat/";
  var live = document.getElementById("chat-live");
  var panesBox = document.getElementById("chat-panes"), empty = document.getElementById("chat-empty");
  var tpl = document.getElementById("chat-pane-template");
  var panes = {}, ws = null, retry = 0, pingTimer = 0;
  var csrf = (document.querySelector("[name=csrfmiddlewaretoken]") || {}).value || "";

  function uid() { return crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2); }
  function send(frame) { if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; } return false; }
  function post(path, data) {
    var body = data instanceof FormData ? data : new URLSearchParams(data || {});
    return fetch(base + path, {method: "POST", body: body, headers: {"X-CSRFToken": csrf}, credentials: "same-origin"})
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw j; return j; }); });
  }
  function queueChanged() { document.body.dispatchEvent(new Event("chat-queue")); }
  function setLive(on) {
    if (!live) return;
    live.textContent = on ? L.labelOnline : L.labelOffline;
    live.className = "badge " + (on ? "text-bg-success" : "text-bg-secondary");
  }

  // --- panes --------------------------------------------------------------------------------------
  function pane(id) {
    if (panes[id]) return panes[id];
    if (!tpl) return null;
    var node = tpl.content.firstElementChild.cloneNode(true);
    var p = {id: id, node: node, lastSeq: 0, pending: [], visitorRead: 0,
      log: node.querySelector(".chat-log"), input: node.querySelector(".chat-input"),
      typing: node.querySelector(".chat-typing"), result: node.querySelector(".chat-result")};
    node.dataset.conversation = id;
    node.querySelector(".chat-send").addEventListener("click", function () { reply(p); });
    p.input.addEventListener("keydown", function (ev) { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); reply(p); } });
    p.typingAt = 0;
    p.input.addEventListener("input", function () {
      if (Date.now() - p.typingAt > 2000) { p.typingAt = Date.now(); send({type: "typing", conversation: id, active: true}); }
      clearTimeout(p.typingStop);
      p.typingStop = setTimeout(function () { stopTyping(p); }, 3000);
    });
    node.querySelector(".chat-close").addEventListener("click", function () { closePane(id); });
    node.querySelector(".chat-canned").addEventListener("change", function (ev) {
      if (!ev.target.value) return;
      fetch(base + id + "/canned/" + ev.target.value + "/", {credentials: "same-origin"}).then(function (r) { return r.json(); })
        .then(function (j) { p.input.value = j.body; p.input.focus(); });
      ev.target.value = "";
    });
    node.querySelector(".chat-file").addEventListener("change", function (ev) {
      var file = ev.target.files[0]; if (!file) return;
      var form = new FormData(); form.append("file", file);
      post(id + "/upload/", form).then(function (a) { queueReply(p, {body: "", attachment: a.id}); })
        .catch(function (e) { p.result.textContent = e.error || ""; });
      ev.target.value = "";
    });
    node.querySelector(".chat-ticket").addEventListener("click", function () {
      post(id + "/ticket/").then(function (j) { p.result.textContent = L.labelTicket.replace("{reference}", j.reference); loadSide(p); })
        .catch(function (e) { p.result.textContent = e.error || ""; });
    });
    node.querySelector(".chat-transcript").addEventListener("click", function () {
      post(id + "/transcript/").then(function () { p.result.textContent = "✓"; }).catch(function (e) { p.result.textContent = e.error || ""; });
    });
    node.querySelector(".chat-end").addEventListener("click", function () { post(id + "/end/").catch(function (e) { p.result.textContent = e.error || ""; }); });
    node.querySelector(".chat-transfer").addEventListener("change", function (ev) {
      var v = ev.target.value.split(":"); if (v.length !== 2) return;
      var data = {}; data[v[0]] = v[1];
      post(id + "/transfer/", data).catch(function (e) { p.result.textContent = e.error || ""; });
      ev.target.value = "";
    });
    panes[id] = p;
    panesBox.appendChild(node);
    if (empty) empty.hidden = true;
    loadSide(p);
    send({type: "resume", conversation: id, after: 0});
    return p;
  }
  function closePane(id) {
    var p = panes[id]; if (!p) return;
    p.node.remove(); delete panes[id];
    send({type: "leave", conversation: id});
    if (empty) empty.hidden = Object.keys(panes).length > 0;
  }
  function loadSide(p) {
    fetch(base + p.id + "/side/", {credentials: "same-origin"}).then(function (r) { return r.text(); })
      .then(function (html) {
        var side = p.node.querySelector(".chat-side");
        side.innerHTML = html;  // server-rendered, escaped
        if (window.htmx) window.htmx.process(side);  // the customer panel loads itself (hx-get)
      });
  }
  function line(p, m) {
    if (m.seq <= p.lastSeq) return;
    p.lastSeq = m.seq;
    var div = document.createElement("div");
    div.className = "mb-1 p-1 rounded " + (m.internal ? "bg-warning-subtle" : m.side === "agent" ? "bg-primary-subtle" : m.side === "system" ? "text-body-secondary fst-italic" : "bg-body-tertiary");
    div.dataset.seq = m.seq; div.dataset.side = m.side; div.dataset.testid = "chat-line";
    div.setAttribute("data-testid", "chat-line");
    var who = document.createElement("strong");
    who.textContent = (m.internal ? "[" + L.labelNote + "] " : "") + (m.name ? m.name + ": " : "");
    div.appendChild(who);
    div.appendChild(document.createTextNode(m.body || ""));
    if (m.attachment) {
      var a = document.createElement("a");
      a.href = base + "files/" + m.attachment.id + "/"; a.className = "ms-1"; a.textContent = m.attachment.name;
      div.appendChild(a);
    }
    var old = m.client_id && p.log.querySelector('[data-client-id="' + m.client_id + '"]');
    if (old) old.remove();
    p.log.appendChild(div);
    p.log.scrollTop = p.log.scrollHeight;
    p.pending = p.pending.filter(function (x) { return x.client_id !== m.client_id; });
    if (m.side === "visitor") { p.typing.textContent = ""; send({type: "read", conversation: p.id, seq: m.seq}); }
    seen(p);
  }
  function seen(p) {
    var old = p.log.querySelector(".chat-seen"); if (old) old.remove();
    var mine = p.log.querySelectorAll('[data-side="agent"]'), last = mine[mine.length - 1];
    if (last && Number(last.dataset.seq) <= p.visitorRead) {
      var s = document.createElement("div"); s.className = "chat-seen small text-body-secondary text-end"; s.textContent = L.labelSeen;
      s.setAttribute("data-testid", "chat-seen");
      last.after(s);
    }
  }
  function queueReply(p, item) {
    item.client_id = uid(); item.conversation = p.id; item.type = "message";
    p.pending.push(item);
    var div = document.createElement("div");
    div.className = "mb-1 p-1 rounded bg-primary-subtle opacity-50"; div.dataset.clientId = item.client_id;
    div.textContent = item.body || "…"; p.log.appendChild(div);
    send(item);
  }
  function stopTyping(p) {
    clearTimeout(p.typingStop);
    if (p.typingAt) { p.typingAt = 0; send({type: "typing", conversation: p.id, active: false}); }
  }
  function reply(p) {
    var text = p.input.value.trim(); if (!text) return;
    var internal = p.node.querySelector(".chat-internal").checked;
    p.input.value = "";
    stopTyping(p);
    queueReply(p, {body: text, internal: internal});
  }

  // --- the socket ----------------------------------------------------------------------------------
  function connect() {
    ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + L.wsPath);
    ws.onopen = function () {
      retry = 0; setLive(true);
      Object.keys(panes).forEach(function (id) {
        var p = panes[id];
        send({type: "resume", conversation: p.id, after: p.lastSeq});
        p.pending.forEach(function (item) { send(item); });
      });
      clearInterval(pingTimer);
      pingTimer = setInterval(function () { send({type: "ping"}); }, 30000);
    };
    ws.onmessage = function (ev) {
      var f = JSON.parse(ev.data), p = f.conversation && panes[f.conversation];
      if (f.type === "hello") { if (tpl) f.conversations.forEach(function (c) { pane(c.conversation); }); }
      else if (f.type === "message" && p) line(p, f);
      else if (f.type === "ack" && p) { p.pending = p.pending.filter(function (x) { return x.client_id !== f.client_id; }); }
      else if (f.type === "state") {
        queueChanged();
        if (!p && f.agent_id === me && f.state === "active" && tpl) p = pane(f.conversation);
        if (!p) return;
        p.node.querySelector(".chat-name").textContent = f.name + (f.email ? " <" + f.email + ">" : "");
        p.node.querySelector(".chat-state").textContent = L["label" + f.state.charAt(0).toUpperCase() + f.state.slice(1)] || f.state;
        p.visitorRead = f.read; seen(p);
        if (f.agent_id !== me && f.state !== "ended") closePane(f.conversation);
      }
      else if (f.type === "queue") queueChanged();
      else if (f.type === "typing" && p && f.side === "visitor") {
        p.typing.textContent = f.active ? L.labelTyping : "";
        clearTimeout(p.typingTimer); p.typingTimer = setTimeout(function () { p.typing.textContent = ""; }, 5000);
      }
      else if (f.type === "read" && p) { p.visitorRead = f.seq; seen(p); }
      else if (f.type === "error" && p) p.result.textContent = f.message;
    };
    ws.onclose = function () {
      ws = null; setLive(false); clearInterval(pingTimer);
      retry += 1;
      setTimeout(connect, Math.min(15000, 500 * Math.pow(2, retry)) * (0.5 + Math.random()));
    };
  }

  // --- status, waiting list ---------------------------------------------------------------------------
  var statusForm = document.getElementById("chat-status-form");
  if (statusForm) statusForm.addEventListener("change", function () { post("status/", new FormData(statusForm)); });
  document.addEventListener("click", function (ev) {
    var pick = ev.target.closest && ev.target.closest("[data-chat-pick]");
    if (!pick) return;
    var id = Number(pick.dataset.chatPick);
    post(id + "/pick/").then(function () { pane(id); queueChanged(); }).catch(function () { queueChanged(); });
  });
  connect();
})();
