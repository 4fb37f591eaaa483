/* Destek desk: the agent was @mentioned, or a ticket they follow changed. desk.js hears it
 * on the WebSocket ("follow.alert": ids, reference and reason only) and passes every frame
 * on as a "desk:socket" event; this shows it beside the SLA alerts, with a link to it. */
(function () {
  "use strict";

  var labels = document.getElementById("follow-alerts");
  if (!labels) return;

  function label(name) { return labels.getAttribute("data-label-" + name) || ""; }

  document.addEventListener("desk:socket", function (e) {
    var data = e.detail;
    if (!data || data.type !== "follow.alert") return;
    var pattern = label(data.reason);
    if (!pattern || !window.Destek) return;
    window.Destek.showDeskAlert({
      tone: "alert-info",
      testid: "follow-alert-" + data.ticket_id,
      data: {reason: data.reason},
      text: pattern.replace("{reference}", data.reference),
      ticketId: data.ticket_id,
      openLabel: label("open"),
      closeLabel: label("close")
    });
  });
})();
