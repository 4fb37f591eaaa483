/* Destek desk: the agent was @mentioned, or a ticket they follow changed. desk.js hears it
 * on the WebSocket ("follow.alert": ids, reference and reason only) and passes every frame
 * on as a "desk:socket" event; this shows it beside the SLA alerts, with a link to it. */
(function () {
  "use strict";

  var labels = document.getElementById("follow-alerts");
  var live = document.getElementById("desk-live");
  if (!labels || !live) return;

  function label(name) { return labels.getAttribute("data-label-" + name) || ""; }

  function ticketUrl(id) { return live.dataset.ticketUrl.replace(/\/1\/$/, "/" + id + "/"); }

  document.addEventListener("desk:socket", function (e) {
    var data = e.detail;
    if (!data || data.type !== "follow.alert") return;
    var box = document.getElementById("sla-alerts");
    var pattern = label(data.reason);
    if (!box || !pattern) return;
    var alert = document.createElement("div");
    alert.className = "alert alert-info shadow-sm mb-0 d-flex align-items-start gap-2";
    alert.setAttribute("role", "alert");
    alert.dataset.testid = "follow-alert-" + data.ticket_id;
    alert.dataset.reason = data.reason;
    var text = document.createElement("span");
    text.className = "me-auto";
    text.textContent = pattern.replace("{reference}", data.reference);
    var link = document.createElement("a");
    link.className = "alert-link";
    link.href = ticketUrl(data.ticket_id);
    link.textContent = label("open");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close";
    close.setAttribute("aria-label", label("close"));
    close.addEventListener("click", function () { alert.remove(); });
    alert.appendChild(text);
    alert.appendChild(link);
    alert.appendChild(close);
    box.appendChild(alert);
    while (box.children.length > 5) box.removeChild(box.firstChild);
  });
})();
