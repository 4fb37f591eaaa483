/* Destek live chat widget: <script src="https://destek.example/chat/widget.js" async
   data-lang="tr" data-color="#0a7" data-department="2"></script>
   Vanilla JS, no build step. Words come from /chat/api/config in the visitor's language.
   Delivery: every message carries a client id and stays in `pending` (localStorage) until the
   server acknowledges it with its seq; after a reconnect the widget resumes from the last seq
   it saw and re-sends what was not acknowledged, so nothing is lost or shown twice. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__destekChat) return;
  window.__destekChat = true;
  var base = new URL(script.src).origin;
  var opts = script.dataset;
  var KEY = "destek-chat:" + base;
  var EMOJI = ["😀", "🙂", "😉", "😍", "🤔", "😅", "😢", "😡", "👍", "👎", "🙏", "👋", "🎉", "✅", "❌", "❤️"];
  var T = {}, cfg = null, ws = null, retry = 0, store = load(), typingSent = 0, typingTimer = 0;
  var agentRead = 0, unread = 0, titleTimer = 0, baseTitle = document.title, closing = false;
  var reconnectTimer = 0, heartbeat = 0, heardAt = 0, agentName = "", typingClear = 0, state = "";

  function load() {
    try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return {}; }
  }
  function save() { try { localStorage.setItem(KEY, JSON.stringify(store)); } catch (e) { /* private mode */ } }
  function t(key, vars) {
    return (T[key] || key).replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? vars[k] : m; });
  }
  function el(tag, attrs, kids) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (kids || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function clipIcon() {  // drawn, not an emoji: not every system has an emoji font
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg"), path = document.createElementNS(svg.namespaceURI, "path");
    svg.setAttribute("viewBox", "0 0 16 16"); svg.setAttribute("aria-hidden", "true");
    path.setAttribute("d", "M4.5 3a2.5 2.5 0 0 1 5 0v9a1.5 1.5 0 0 1-3 0V5a.5.5 0 0 1 1 0v7a.5.5 0 0 0 1 0V3a1.5 1.5 0 1 0-3 0v9a2.5 2.5 0 0 0 5 0V5a.5.5 0 0 1 1 0v7a3.5 3.5 0 1 1-7 0z");
    svg.appendChild(path);
    return svg;
  }
  // Whatever colour a company picks, words on it and the colour as text on white stay readable
  // (WCAG's 4.5:1): black or white on it, and a darker shade of it for links on white.
  function brandColours(colour) {
    var ctx = document.createElement("canvas").getContext("2d");
    ctx.fillStyle = "#0d6efd"; ctx.fillStyle = colour;  // an invalid colour keeps the default
    var hex = /^#[0-9a-f]{6}$/i.test(ctx.fillStyle) ? ctx.fillStyle : "#0d6efd";
    var rgb = [1, 3, 5].map(function (i) { return parseInt(hex.slice(i, i + 2), 16); });
    function onWhite(c) {  // contrast ratio of c against white
      var l = c.map(function (v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
      return 1.05 / (0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2] + 0.05);
    }
    var text = rgb;
    while (onWhite(text) < 4.5) text = text.map(function (v) { return Math.floor(v * 0.9); });
    return {c: hex, on: onWhite(rgb) >= 4.5 ? "#fff" : "#111", text: "rgb(" + text.join(",") + ")"};
  }
  function uid() {
    return (crypto.randomUUID ? crypto.randomUUID() : Date.now().toString(36) + Math.random().toString(36).slice(2));
  }
  function api(path, body, isForm) {
    var init = body === undefined ? {} : {method: "POST", body: isForm ? body : JSON.stringify(body),
      headers: isForm ? {} : {"Content-Type": "application/json"}};
    init.credentials = new URL(location.href).origin === base ? "same-origin" : "omit";
    return fetch(base + path, init).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) throw data; return data; });
    });
  }

  // --- layout (shadow DOM: the host page's CSS cannot break it, ours cannot break the page) ---
  var host = el("div", {id: "destek-chat"});
  var root = host.attachShadow({mode: "open"});
  var css = ":host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}" +
    ".btn{background:var(--c);color:var(--on-c);border:0;border-radius:6px;padding:8px 12px;cursor:pointer}" +
    ".launch{position:fixed;right:20px;bottom:20px;border-radius:24px;padding:12px 18px;z-index:2147483000}" +
    ".panel{position:fixed;right:20px;bottom:80px;width:340px;max-width:calc(100vw - 40px);height:480px;" +
    "max-height:calc(100vh - 100px);background:#fff;color:#222;border-radius:10px;box-shadow:0 8px 30px rgba(0,0,0,.25);" +
    "display:flex;flex-direction:column;overflow:hidden;z-index:2147483000}" +
    ".head{background:var(--c);color:var(--on-c);padding:10px 12px;display:flex;justify-content:space-between;align-items:center}" +
    ".head button{background:none;border:0;color:inherit;font-size:18px;cursor:pointer}" +
    ".body{flex:1;overflow:auto;padding:10px}.foot{border-top:1px solid #ddd;padding:8px;display:flex;gap:6px;align-items:flex-end}" +
    "form.pre{display:flex;flex-direction:column;gap:8px}label.fld{display:flex;flex-direction:column;gap:4px;font-size:.9em}input,select,textarea{border:1px solid #bbb;border-radius:6px;padding:6px;width:100%}" +
    "textarea{resize:none}.msg{margin:6px 0;max-width:85%;padding:6px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word}" +
    ".visitor{margin-left:auto;background:var(--c);color:var(--on-c)}.agent{background:#eef}.system{margin:8px auto;color:#666;font-size:12px;text-align:center}" +
    ".who{font-size:11px;font-weight:600}.meta{font-size:11px;color:#595959;text-align:right}.status{font-size:12px;color:#555;padding:4px 10px}" +
    ".icon{background:none;border:0;font-size:18px;cursor:pointer;padding:4px}.emoji{display:flex;flex-wrap:wrap;gap:2px;padding:4px 8px}" +
    ".emoji button{background:none;border:0;font-size:18px;cursor:pointer}.sugg a{display:block;color:var(--c-text)}[hidden]{display:none!important}" +
    ".msg a{color:inherit}.links{display:flex;flex-wrap:wrap;gap:4px 12px;padding:4px 10px;font-size:12px}.links button{background:none;border:0;color:var(--c-text);cursor:pointer;padding:0;text-align:left}" +
    ".typing{font-size:12px;color:#555;padding:0 10px;font-style:italic}.typing:empty{display:none}.status:empty{display:none}" +
    // A message not yet acknowledged is outlined, not faded: faded text failed the contrast check.
    ".pending{outline:1px dashed currentColor;outline-offset:-4px}button:disabled,textarea:disabled{opacity:.5;cursor:default}" +
    ".visitor .meta{color:inherit}.foot:empty,.links:empty{display:none}.foot label.fld{flex:1}.icon svg{width:18px;height:18px;vertical-align:middle;fill:#555}.msg svg{width:14px;height:14px;vertical-align:middle;fill:currentColor}" +
    ":focus-visible{outline:2px solid var(--c-text);outline-offset:2px}.head :focus-visible{outline-color:var(--on-c)}" +
    ".incident{background:#fff3cd;color:#3d2e00;border:1px solid #d9b84a;border-radius:6px;padding:6px 8px;font-size:13px}.incident a{color:#3d2e00;font-weight:600}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}";
  var launch = el("button", {"class": "btn launch", "aria-expanded": "false", "data-testid": "chat-launcher", text: "Chat"});
  var panel = el("div", {"class": "panel", hidden: "", role: "dialog", id: "destek-chat-panel", "data-testid": "chat-panel"});
  launch.setAttribute("aria-controls", panel.id);
  // A constructed style sheet: a page with a strict Content-Security-Policy (Destek's own demo
  // page, /chat/demo/) would refuse a <style> element the script adds without its nonce.
  if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", {text: css, nonce: script.nonce || ""}));
  }
  root.appendChild(launch);
  root.appendChild(panel);
  var title = el("span", {id: "destek-chat-title"}), body = el("div", {"class": "body", "data-testid": "chat-body"});
  var status = el("div", {"class": "status", "data-testid": "chat-status", "aria-live": "polite"});
  var typingLine = el("div", {"class": "typing", "data-testid": "chat-typing", "aria-live": "polite"});
  var foot = el("div", {"class": "foot"});
  var links = el("div", {"class": "links"});
  var emojiBox = el("div", {"class": "emoji", hidden: ""});
  var closeButton = el("button", {type: "button", text: "×", "data-testid": "chat-close", onclick: toggle});
  panel.setAttribute("aria-labelledby", title.id);
  panel.appendChild(el("div", {"class": "head"}, [title, closeButton]));
  [body, typingLine, status, emojiBox, links, foot].forEach(function (n) { panel.appendChild(n); });

  function toggle() {
    panel.hidden = !panel.hidden;
    launch.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) { unread = 0; stopTitle(); markRead(); focusFirst(); }
    else launch.focus();  // the keyboard goes back to where it came from
  }
  function focusFirst() {  // the first field to fill in, else the close button
    var field = [].filter.call(panel.querySelectorAll("input:not([type=file]), select, textarea:not(:disabled)"),
      function (f) { return f.getClientRects().length; })[0];
    (field || closeButton).focus();
  }
  launch.addEventListener("click", toggle);
  panel.addEventListener("keydown", function (ev) { if (ev.key === "Escape") toggle(); });

  // --- notifications ---------------------------------------------------------------------------
  var audio = null;  // one context for the page: browsers limit how many may exist
  function beep() {
    try {
      var ctx = audio = audio || new (window.AudioContext || window.webkitAudioContext)(), o = ctx.createOscillator(), g = ctx.createGain();
      o.frequency.value = 880; g.gain.value = 0.05; o.connect(g); g.connect(ctx.destination);
      o.start(); o.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no audio */ }
  }
  function notify() {
    if (!panel.hidden && !document.hidden) return markRead();
    unread += 1; beep();
    if (!titleTimer) titleTimer = setInterval(function () {
      document.title = document.title === baseTitle ? "(" + unread + ") " + t("new_message") : baseTitle;
    }, 1000);
  }
  function stopTitle() { clearInterval(titleTimer); titleTimer = 0; document.title = baseTitle; }
  document.addEventListener("visibilitychange", function () { if (!document.hidden && !panel.hidden) { stopTitle(); markRead(); } });

  // --- views -----------------------------------------------------------------------------------
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  // Every field has its own <label> (a placeholder goes away as soon as one types).
  function labelled(text, control, hidden) {
    return el("label", {"class": "fld"}, [el("span", {"class": hidden ? "sr" : "", text: text}), control]);
  }
  function hideField(control) { control.closest("label").hidden = true; }
  function departmentSelect() {
    var select = el("select", {name: "department"});
    cfg.departments.forEach(function (d) {
      var o = el("option", {value: d.id, text: d.name});
      if (String(d.id) === opts.department) o.selected = true;
      select.appendChild(o);
    });
    return labelled(t("department"), select);
  }
  function serviceChoice() {  // a signed-in customer: which of their services it is about
    var services = cfg.customer && cfg.services || [];
    if (!services.length) return null;
    var select = el("select", {name: "service", "data-testid": "chat-service"},
      [el("option", {value: "", text: t("no_service")})]);
    services.forEach(function (s) {
      var o = el("option", {value: s.id, text: s.label});
      if (s.id === cfg.service) o.selected = true;
      select.appendChild(o);
    });
    return labelled(t("service"), select);
  }
  // A signed-in customer an open incident concerns (config "incidents"): "we know about it".
  function incidentBanners(form) {
    (cfg.incidents || []).slice(0, 3).reverse().forEach(function (i) {
      form.insertBefore(el("div", {"class": "incident", role: "status", "data-testid": "chat-incident-" + i.id}, [
        el("strong", {text: i.title + " (" + i.state + ")"}), el("div", {text: i.latest || ""}),
        el("div", {}, [el("span", {text: t("incident_known") + " "}),
          el("a", {href: new URL(i.url, base).href, target: "_blank", rel: "noopener", text: t("incident_follow")})])]), form.firstChild);
    });
  }
  function showPrechat() {
    clear(body); clear(foot); clear(links); status.textContent = "";
    var me = cfg.customer;
    var sugg = el("div", {"class": "sugg", "data-testid": "chat-suggestions"});
    var topic = el("textarea", {name: "topic", rows: "3", "data-testid": "chat-topic"});
    topic.addEventListener("input", suggest(topic, sugg));
    var form = el("form", {"class": "pre", "data-testid": "chat-prechat"}, [
      labelled(t("name"), el("input", {name: "name", autocomplete: "name", "data-testid": "chat-name"})),
      labelled(t("email"), el("input", {name: "email", type: "email", required: "", autocomplete: "email", "data-testid": "chat-email"})),
      departmentSelect(), serviceChoice(), labelled(t("topic"), topic), sugg,
      el("button", {"class": "btn", type: "submit", text: t("start"), "data-testid": "chat-start"})].filter(Boolean));
    if (cfg.greeting) form.insertBefore(el("p", {"data-testid": "chat-greeting", text: cfg.greeting}), form.firstChild);  // Settings → Live chat
    incidentBanners(form);
    if (me) { form.name.value = me.name; form.email.value = me.email; hideField(form.name); hideField(form.email); }
    if (cfg.departments.length < 2) hideField(form.department);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      api("/chat/api/start", {name: form.name.value, email: form.email.value, topic: form.topic.value,
        department: form.department.value, language: cfg.language, page_url: location.href,
        service: form.service ? form.service.value : ""})
        .then(function (data) {
          store = {token: data.token, lastSeq: 0, pending: [], mine: {}};
          if (form.topic.value.trim()) store.pending.push({client_id: uid(), body: form.topic.value.trim()});
          save(); showChat(); connect();
        }).catch(function (e) { status.textContent = (e && e.error) || t("error"); });
    });
    body.appendChild(form);
  }
  function suggest(input, box) {
    var timer = 0;
    return function () {
      if (!cfg.suggestions_url) return;  // no knowledge base yet
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 4) { clear(box); return; }
        var url = new URL(cfg.suggestions_url, base);  // a path on Destek, not on the host page
        url.searchParams.set("lang", cfg.language); url.searchParams.set("q", q);
        fetch(url, {credentials: new URL(location.href).origin === base ? "same-origin" : "omit"}).then(function (r) { return r.json(); })
          .then(function (data) {
            clear(box);
            if (!data.results || !data.results.length) return;
            box.appendChild(el("div", {text: t("suggestions")}));
            data.results.slice(0, 3).forEach(function (a) { box.appendChild(el("a", {href: a.url, target: "_blank", rel: "noopener", "data-testid": "chat-suggestion", text: a.title})); });
          }).catch(function () { clear(box); });
      }, 300);
    };
  }
  function showOffline() {
    clear(body); clear(foot); clear(links);
    var form = el("form", {"class": "pre", "data-testid": "chat-offline"}, [
      el("strong", {text: t(cfg.offline_reason === "hours" ? "hours_title" : "offline_title")}), el("div", {text: t("offline_text")}),
      labelled(t("name"), el("input", {name: "name", autocomplete: "name", "data-testid": "chat-name"})),
      labelled(t("email"), el("input", {name: "email", type: "email", required: "", autocomplete: "email", "data-testid": "chat-email"})),
      departmentSelect(), serviceChoice(),
      labelled(t("message"), el("textarea", {name: "body", rows: "4", required: "", "data-testid": "chat-offline-body"})),
      el("button", {"class": "btn", type: "submit", text: t("leave_message"), "data-testid": "chat-offline-send"})].filter(Boolean));
    if (cfg.greeting) form.insertBefore(el("p", {"data-testid": "chat-greeting", text: cfg.greeting}), form.firstChild);
    incidentBanners(form);
    if (cfg.customer) { form.name.value = cfg.customer.name; form.email.value = cfg.customer.email; }
    if (cfg.departments.length < 2) hideField(form.department);
    var id = uid();
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      api("/chat/api/offline", {name: form.name.value, email: form.email.value, body: form.body.value,
        department: form.department.value, language: cfg.language, client_id: id,
        service: form.service ? form.service.value : ""})
        .then(function (data) { clear(body); body.appendChild(el("p", {"data-testid": "chat-offline-done", text: t("offline_sent", data)})); })
        .catch(function (e) { status.textContent = (e && e.error) || t("error"); });
    });
    body.appendChild(form);
  }
  var input, fileInput, sendButton;
  function showChat() {
    clear(body); clear(foot); clear(links); typingLine.textContent = "";
    input = el("textarea", {rows: "2", placeholder: t("placeholder"), maxlength: String(cfg.max_message_chars), "data-testid": "chat-input"});
    input.addEventListener("keydown", function (ev) { if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); sendText(); } });
    input.addEventListener("input", typing);
    fileInput = el("input", {type: "file", hidden: "", "data-testid": "chat-file"});
    fileInput.addEventListener("change", upload);
    clear(emojiBox);
    EMOJI.forEach(function (e) { emojiBox.appendChild(el("button", {type: "button", text: e, onclick: function () { input.value += e; input.focus(); }})); });
    foot.appendChild(el("button", {"class": "icon", type: "button", title: t("emoji"), "aria-label": t("emoji"), text: "☺", onclick: function () { emojiBox.hidden = !emojiBox.hidden; }}));
    foot.appendChild(el("button", {"class": "icon", type: "button", title: t("attach"), "aria-label": t("attach"), "data-testid": "chat-attach", onclick: function () { fileInput.click(); }}, [clipIcon()]));
    foot.appendChild(fileInput);
    foot.appendChild(labelled(t("message"), input, true));
    sendButton = el("button", {"class": "btn", type: "button", text: t("send"), "data-testid": "chat-send", onclick: sendText});
    foot.appendChild(sendButton);
    links.appendChild(el("button", {type: "button", text: t("transcript"), "data-testid": "chat-transcript", onclick: function () { send({type: "transcript"}); }}));
    links.appendChild(el("button", {type: "button", text: t("end"), "data-testid": "chat-end", onclick: function () { send({type: "end"}); }}));
    (store.shown || []).forEach(render);
    store.pending.forEach(function (p) { renderPending(p); });
  }
  function showEnded() {
    // The chat is over: no more typing into it, but a new one is one click away.
    input.disabled = sendButton.disabled = true; emojiBox.hidden = true; typingLine.textContent = "";
    clear(links);
    links.appendChild(el("button", {type: "button", text: t("transcript"), "data-testid": "chat-transcript", onclick: function () { send({type: "transcript"}); }}));
    links.appendChild(el("button", {type: "button", text: t("new_chat"), "data-testid": "chat-new", onclick: function () {
      disconnect(); store = {}; save(); state = ""; agentRead = 0; status.textContent = ""; showStart();
    }}));
    showRating();
  }
  function showRating() {
    // "How did we do?" once, below the conversation; the token proves who is answering.
    if (!cfg.rating_choices || !cfg.rating_choices.length || root.querySelector("[data-testid=chat-rating]")) return;
    if (store.rated) { body.appendChild(el("p", {"data-testid": "chat-rating", text: t("rate_thanks")})); return; }
    var score = el("div", {"class": "scores", role: "radiogroup"});
    cfg.rating_choices.forEach(function (c) {
      score.appendChild(el("label", {}, [el("input", {type: "radio", name: "score", value: String(c.score), required: "", "data-testid": "chat-rating-" + c.score}), document.createTextNode(" " + c.label + " ")]));
    });
    var complaint = el("input", {type: "checkbox", name: "complaint", "data-testid": "chat-rating-complaint"});
    var form = el("form", {"class": "pre", "data-testid": "chat-rating"}, [
      el("strong", {text: t("rate_title")}), score,
      labelled(t("rate_comment"), el("textarea", {name: "comment", rows: "2", maxlength: "4000", "data-testid": "chat-rating-comment"})),
      el("label", {}, [complaint, document.createTextNode(" " + t("rate_complaint"))]),
      el("button", {"class": "btn", type: "submit", text: t("rate_send"), "data-testid": "chat-rating-send"})]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var chosen = form.querySelector("input[name=score]:checked");
      api("/chat/api/rate", {token: store.token, score: chosen ? Number(chosen.value) : null,
        comment: form.comment.value, complaint: complaint.checked})
        .then(function () { store.rated = true; save(); clear(form); form.appendChild(el("p", {"data-testid": "chat-rating-thanks", text: t("rate_thanks")})); })
        .catch(function (e) { status.textContent = (e && e.error) || t("error"); });
    });
    body.appendChild(form);
    form.scrollIntoView && form.scrollIntoView();
  }

  // --- messages ----------------------------------------------------------------------------------
  // Confirmed messages are shown in the server's order (seq); messages not yet acknowledged stay
  // below them, marked "sending", until their own copy comes back with its seq.
  function render(m) {
    var node = el("div", {"class": "msg " + m.side, "data-seq": m.seq, "data-testid": "chat-message"});
    if (m.side === "agent" && m.name) node.appendChild(el("div", {"class": "who", text: m.name}));
    if (m.body) node.appendChild(el("div", {text: m.body}));
    if (m.attachment) node.appendChild(el("a", {"class": "file", href: base + "/chat/api/files/" + m.attachment.id + "/?token=" + encodeURIComponent(store.token)}, [clipIcon(), document.createTextNode(" " + m.attachment.name)]));
    var old = m.client_id && m.side === "visitor" && body.querySelector('[data-client-id="' + m.client_id + '"]');
    if (old) old.remove();
    body.insertBefore(node, body.querySelector("[data-client-id]"));
    body.scrollTop = body.scrollHeight;
    showSeen();
  }
  function renderPending(p) {
    var node = el("div", {"class": "msg visitor pending", "data-client-id": p.client_id, "data-testid": "chat-pending"},
      [p.body ? el("div", {text: p.body}) : el("div", {}, [clipIcon()]), el("div", {"class": "meta", text: t("sending")})]);
    body.appendChild(node);
    body.scrollTop = body.scrollHeight;
  }
  function showSeen() {
    var old = body.querySelector(".seen"); if (old) old.remove();
    var mine = body.querySelectorAll(".msg.visitor[data-seq]"), last = mine[mine.length - 1];
    if (last && Number(last.dataset.seq) <= agentRead) last.appendChild(el("div", {"class": "meta seen", "data-testid": "chat-seen", text: t("seen")}));
  }
  function queue(item) {
    store.pending.push(item); save(); renderPending(item);
    send(Object.assign({type: "message"}, item));
  }
  function sendText() {
    var text = input.value.trim();
    if (!text || input.disabled) return;
    input.value = "";
    queue({client_id: uid(), body: text});
    clearTimeout(typingTimer); typingSent = 0;
    send({type: "typing", active: false});
  }
  function upload() {
    var file = fileInput.files[0];
    if (!file) return;
    if (file.size > cfg.max_upload_bytes) { status.textContent = t("error"); return; }
    var form = new FormData();
    form.append("token", store.token); form.append("file", file);
    api("/chat/api/upload", form, true).then(function (a) { queue({client_id: uid(), body: "", attachment: a.id}); })
      .catch(function (e) { status.textContent = (e && e.error) || t("error"); });
    fileInput.value = "";
  }
  function typing() {
    var now = Date.now();
    if (now - typingSent > 2000) { typingSent = now; send({type: "typing", active: true}); }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { typingSent = 0; send({type: "typing", active: false}); }, 3000);
  }
  function showTyping(active) {
    clearTimeout(typingClear);
    typingLine.textContent = active ? t("typing", {name: agentName || t("agent")}) : "";
    // A lost "stopped typing" frame must not leave the line up forever.
    if (active) typingClear = setTimeout(function () { typingLine.textContent = ""; }, 6000);
  }
  function showState() {
    if (!ws || ws.readyState !== 1) status.textContent = t("reconnecting");
    else status.textContent = state === "waiting" ? t("waiting") : state === "active" ? t("connected", {name: agentName || t("agent")}) : state === "ended" ? t("ended") : "";
  }
  function markRead() {
    if (store.lastSeq && store.readSent !== store.lastSeq && !panel.hidden && !document.hidden) {
      if (send({type: "read", seq: store.lastSeq})) { store.readSent = store.lastSeq; save(); }
    }
  }
  function send(frame) {
    if (ws && ws.readyState === 1) { ws.send(JSON.stringify(frame)); return true; }
    return false;
  }

  // --- the socket ----------------------------------------------------------------------------------
  // One socket at a time. Events of a replaced socket are ignored, so a late close or message
  // from it can neither start a second socket nor show anything twice. While the browser says
  // it is offline nothing is tried; "online" reconnects at once.
  function disconnect() {
    clearTimeout(reconnectTimer); clearInterval(heartbeat);
    var old = ws; ws = null;
    if (old) { old.onopen = old.onmessage = old.onclose = old.onerror = null; try { old.close(); } catch (e) { /* already closed */ } }
  }
  function reconnectLater() {
    clearTimeout(reconnectTimer);
    if (closing || !store.token || navigator.onLine === false) return;
    retry += 1;
    reconnectTimer = setTimeout(connect, Math.min(15000, 500 * Math.pow(2, retry)) * (0.5 + Math.random()));
  }
  function connect() {
    disconnect();
    if (!store.token || navigator.onLine === false) { showState(); return; }
    var url = base.replace(/^http/, "ws") + cfg.ws_path + "?token=" + encodeURIComponent(store.token);
    var sock = ws = new WebSocket(url);
    sock.onopen = function () {
      retry = 0; heardAt = Date.now();
      sock.send(JSON.stringify({type: "resume", after: store.lastSeq || 0}));
      store.pending.forEach(function (p) { sock.send(JSON.stringify(Object.assign({type: "message"}, p))); });
      showState(); markRead();
      // A connection can die without a close (a sleeping laptop, a NAT timeout): ping, and
      // start over when nothing was heard for a minute.
      heartbeat = setInterval(function () {
        if (Date.now() - heardAt > 60000) { disconnect(); showState(); connect(); }
        else send({type: "ping"});
      }, 25000);
    };
    sock.onmessage = function (ev) {
      heardAt = Date.now();
      var f = JSON.parse(ev.data);
      if (f.type === "ack") {
        store.pending = store.pending.filter(function (p) { return p.client_id !== f.client_id; }); save();
      } else if (f.type === "message") {
        if (f.seq <= (store.lastSeq || 0)) return;  // already shown
        store.lastSeq = f.seq;
        store.pending = store.pending.filter(function (p) { return p.client_id !== f.client_id || f.side !== "visitor"; });
        store.shown = (store.shown || []).concat([f]).slice(-200); save();
        render(f);
        if (f.side === "agent") showTyping(false);
        if (f.side !== "visitor") notify();
      } else if (f.type === "state") {
        agentRead = f.read; agentName = f.agent || ""; state = f.state;
        showSeen(); showState();
        if (f.state === "ended") showEnded();
      } else if (f.type === "typing") {
        showTyping(f.active);
      } else if (f.type === "read") {
        agentRead = f.seq; showSeen();
      } else if (f.type === "transcript") {
        status.textContent = t("transcript_sent", {email: f.email});
      } else if (f.type === "error") {
        status.textContent = f.message || t("error");
        if (f.client_id) {
          store.pending = store.pending.filter(function (p) { return p.client_id !== f.client_id; }); save();
          var failed = body.querySelector('[data-client-id="' + f.client_id + '"]'); if (failed) failed.remove();
        }
      }
    };
    sock.onclose = function (ev) {
      if (sock !== ws) return;
      ws = null; clearInterval(heartbeat);
      if (closing) return;
      if (ev.code === 4404) {
        store = {}; save(); showStart(); return;  // the chat is gone (expired token)
      }
      showState();
      reconnectLater();
    };
  }
  window.addEventListener("online", function () { if (store.token && cfg) { retry = 0; connect(); } });
  window.addEventListener("offline", function () { if (ws) { disconnect(); showState(); } });
  window.addEventListener("pagehide", function () { closing = true; disconnect(); });
  window.addEventListener("pageshow", function (ev) {  // back from the back/forward cache
    if (ev.persisted && closing) { closing = false; if (store.token && cfg) connect(); }
  });

  function showStart() {
    closing = false;
    if (store.token) { showChat(); connect(); }
    else if (cfg.online) showPrechat();
    else showOffline();
  }
  var lang = opts.lang || (navigator.language || "en").slice(0, 2);
  api("/chat/api/config?lang=" + encodeURIComponent(lang)).then(function (data) {
    cfg = data; T = data.strings;
    var colours = brandColours(opts.color || data.color);
    host.style.setProperty("--c", colours.c);
    host.style.setProperty("--on-c", colours.on);
    host.style.setProperty("--c-text", colours.text);
    launch.textContent = t("open");
    title.textContent = data.brand ? data.brand + " · " + t("title") : t("title");  // Settings → Branding
    title.setAttribute("data-testid", "chat-title");
    closeButton.setAttribute("aria-label", t("close"));
    document.body.appendChild(host);
    showStart();
  }).catch(function () { /* Destek unreachable: no widget rather than a broken one */ });
})();
