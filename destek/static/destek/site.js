/* Behaviour every page shares, here rather than in inline handlers (the Content-Security-Policy
   runs no inline script): a <select data-autosubmit> submits its form when changed (the language
   switch); a <button data-print> prints the page. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target.closest("[data-print]") : null;
    if (target) window.print();
  });

  // A wide table or command in an article or a message scrolls in its own box (destek.css):
  // one the keyboard can reach too, so it can be scrolled without a mouse.
  function focusableScrollers(root) {
    var boxes = root.querySelectorAll(".kb-body pre, .kb-body table, .message-body pre, .message-body table");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth && !box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
    });
  }
  focusableScrollers(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target instanceof Element) focusableScrollers(event.target.ownerDocument);
  });
})();
