// The export in preparation: follow its status endpoint until it is ready (or failed), then
// show the download link. The page works without it (reload to see the state).
(function () {
  "use strict";
  var POLL_MS = 1000;

  function follow(panel) {
    var url = panel.getAttribute("data-status-url");
    var bar = panel.querySelector("[data-export-bar]");
    var label = panel.querySelector("[data-export-label]");
    var link = panel.querySelector("[data-export-download]");

    function poll() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (state) {
          bar.value = state.percent;
          bar.textContent = state.percent + "%";
          panel.setAttribute("data-status", state.status);
          var row = document.querySelector('[data-export-id="' + state.id + '"]');
          if (row) {
            row.setAttribute("data-status", state.status);
            row.querySelector("[data-export-row-status]").textContent = state.status_label;
          }
          if (state.status === "done" && state.download_url) {
            label.textContent = panel.getAttribute("data-label-done");
            link.href = state.download_url;
            link.hidden = false;
            finished(row, state.download_url, link.textContent);
            return;
          }
          if (state.status === "failed" || state.status === "expired") {
            label.textContent = panel.getAttribute("data-label-failed");
            return;
          }
          label.textContent = state.status_label + (state.total ? " (" + state.done + "/" + state.total + ")" : "…");
          window.setTimeout(poll, POLL_MS);
        })
        .catch(function () { window.setTimeout(poll, POLL_MS * 5); });
    }
    poll();
  }

  // The list and the request button as a reload would show them: the finished export's row
  // gets its link, and another export may be asked for.
  function finished(row, url, text) {
    var cell = row && row.lastElementChild;
    if (cell && !cell.querySelector("a")) {
      var a = document.createElement("a");
      a.href = url;
      a.textContent = text;
      cell.appendChild(a);
    }
    var button = document.querySelector("[data-testid=export-request]");
    if (button) { button.disabled = false; }
  }

  function start() {
    document.querySelectorAll("[data-export-progress]").forEach(follow);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
