// Settings: a form marked data-confirm asks before it is sent (deleting a policy, a calendar,
// a department or a routing rule). No inline handlers: the page's CSP forbids them.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
