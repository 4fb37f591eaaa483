/* Destek agent desk: the ticket's Macros picker (desk/_macros.html).
 *
 * Without this script every macro shows its preview and its own Apply button. With it, the
 * picker gets a filter: typing narrows the list by title, the arrows move through it, only
 * the highlighted macro's preview (its actions, its editable reply) is shown, Enter applies
 * it and Escape closes the picker. desk-keys.js opens it with "m".
 */
(function () {
  "use strict";

  var picker = document.getElementById("macro-picker");
  var filter = document.getElementById("macro-filter");
  if (!picker || !filter) return;
  var items = Array.prototype.slice.call(picker.querySelectorAll("[data-macro-id]"));
  var active = null;

  // Turkish-aware: "İ", "I" and "ı" all match "i", whatever the browser's locale.
  function fold(text) { return text.replace(/[İIı]/g, "i").toLowerCase(); }

  function shown() { return items.filter(function (li) { return !li.hidden; }); }

  function activate(li) {
    active = li || null;
    items.forEach(function (item) {
      var on = item === active;
      item.querySelector("[data-macro-detail]").hidden = !on;
      item.querySelector("[data-macro-choose]").setAttribute("aria-expanded", on ? "true" : "false");
      item.classList.toggle("bg-body-tertiary", on);
    });
  }

  function applyFilter() {
    var words = fold(filter.value).split(/\s+/).filter(Boolean);
    items.forEach(function (li) {
      var title = fold(li.dataset.title || "");
      li.hidden = !words.every(function (w) { return title.indexOf(w) >= 0; });
    });
    var list = shown();
    activate(list.indexOf(active) >= 0 ? active : list[0]);
  }

  function move(step) {
    var list = shown();
    if (!list.length) return;
    var at = list.indexOf(active);
    activate(list[Math.min(list.length - 1, Math.max(0, at + step))]);
  }

  function close() {
    picker.open = false;
    filter.value = "";
    applyFilter();
  }

  filter.hidden = false;
  filter.addEventListener("input", applyFilter);
  filter.addEventListener("keydown", function (e) {
    if (e.isComposing) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      move(e.key === "ArrowDown" ? 1 : -1);
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (active) active.querySelector("form").requestSubmit();
    } else if (e.key === "Escape") {
      e.preventDefault();
      close();
    }
  });
  items.forEach(function (li) {
    li.querySelector("[data-macro-choose]").addEventListener("click", function () { activate(li); });
  });
  picker.addEventListener("toggle", function () {
    if (picker.open) filter.focus();
  });
  applyFilter();
})();
