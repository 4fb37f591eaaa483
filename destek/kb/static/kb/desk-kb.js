// Knowledge-base panel on the desk's ticket view: insert an article's link or text into the reply.
(function () {
  if (window.destekKbPanel) return;
  window.destekKbPanel = true;
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kb-insert]");
    if (!button) return;
    var holder = button.closest("[data-reply-target]");
    var box = document.getElementById(holder ? holder.dataset.replyTarget : "reply-body");
    if (!box) return;
    var value = button.dataset.kbInsert;
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    var before = box.value.slice(0, start), after = box.value.slice(end);
    var glue = before && !/\s$/.test(before) ? "\n" : "";
    box.value = before + glue + value + after;
    box.focus();
    var caret = (before + glue + value).length;
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
