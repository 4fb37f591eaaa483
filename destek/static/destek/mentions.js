/* Destek desk: @mentions in the reply box. Typing "@" and a few letters of a colleague's
 * name or address lists matching active staff (desk:mention_suggestions); choosing one
 * (click, or arrows and Enter/Tab) inserts "@their@address", which the server turns into a
 * mention when the text is posted as an internal note. */
(function () {
  "use strict";

  var box = document.getElementById("reply-body");
  var source = document.getElementById("mention-source");
  if (!box || !source) return;

  var url = source.dataset.url;
  var list = document.createElement("ul");
  list.className = "dropdown-menu mention-menu";
  list.id = "mention-menu";
  list.setAttribute("role", "listbox");
  list.dataset.testid = "mention-menu";
  box.parentNode.insertBefore(list, box.nextSibling);
  box.setAttribute("aria-controls", "mention-menu");

  var active = -1;
  var people = [];
  var timer = null;
  var asked = 0;

  function typedMention() {
    var before = box.value.slice(0, box.selectionStart);
    var match = /(^|[\s(])@([^\s@]{0,40})$/.exec(before);
    return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function hide() {
    list.classList.remove("show");
    list.innerHTML = "";
    people = [];
    active = -1;
  }

  function choose(index) {
    var found = typedMention();
    var person = people[index];
    if (!found || !person) return hide();
    var insert = "@" + person.email + " ";
    var end = box.selectionStart;
    box.value = box.value.slice(0, found.start) + insert + box.value.slice(end);
    var caret = found.start + insert.length;
    box.setSelectionRange(caret, caret);
    box.focus();
    hide();
  }

  function render() {
    list.innerHTML = "";
    if (!people.length) return hide();
    people.forEach(function (person, i) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "dropdown-item" + (i === active ? " active" : "");
      button.setAttribute("role", "option");
      button.dataset.testid = "mention-option";
      button.textContent = person.name + " <" + person.email + ">";
      button.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      item.appendChild(button);
      list.appendChild(item);
    });
    list.classList.add("show");
  }

  function lookUp() {
    var found = typedMention();
    if (!found) return hide();
    var ticket = ++asked;
    fetch(url + "?q=" + encodeURIComponent(found.query), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { people: [] }; })
      .then(function (data) {
        if (ticket !== asked) return;  // an older answer
        people = data.people || [];
        active = people.length ? 0 : -1;
        render();
      })
      .catch(hide);
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 150);
  });
  box.addEventListener("keydown", function (e) {
    if (!list.classList.contains("show")) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      active = (active + (e.key === "ArrowDown" ? 1 : people.length - 1)) % people.length;
      render();
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      choose(active < 0 ? 0 : active);
    } else if (e.key === "Escape") {
      hide();
    }
  });
  box.addEventListener("blur", function () { setTimeout(hide, 150); });
})();
