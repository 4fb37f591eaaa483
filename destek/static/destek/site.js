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
})();
