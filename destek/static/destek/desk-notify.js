/* Destek agent desk: desktop notifications and an optional sound for a ticket assigned to me
 * and a chat waiting for an agent.
 *
 * desk.js re-dispatches each WebSocket frame as a "desk:socket" event. Permission is asked
 * only when the agent clicks the bell (never on page load); both switches are kept per
 * browser in localStorage. A frame heard by several open desk tabs is announced once.
 */
(function () {
  "use strict";

  var data = document.getElementById("desk-notify");
  if (!data) return;

  var NOTIFY_KEY = "destek.notify.desktop";
  var SOUND_KEY = "destek.notify.sound";
  var CLAIM_MS = 10000;
  var bell = document.querySelector("[data-notify-toggle]");
  var speaker = document.querySelector("[data-sound-toggle]");
  var supported = "Notification" in window;

  function stored(key) {
    try { return localStorage.getItem(key) === "1"; } catch (e) { return false; }
  }
  function store(key, on) {
    try { localStorage.setItem(key, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  function notifyOn() {
    return supported && Notification.permission === "granted" && stored(NOTIFY_KEY);
  }

  function showBell() {
    if (!bell) return;
    var blocked = !supported || Notification.permission === "denied";
    var on = notifyOn();
    var text = blocked ? bell.dataset.labelBlocked : (on ? bell.dataset.labelOn : bell.dataset.labelOff);
    bell.setAttribute("aria-pressed", on ? "true" : "false");
    bell.dataset.state = blocked ? "blocked" : (on ? "on" : "off");
    bell.title = text;
    bell.classList.toggle("btn-primary", on);
    bell.classList.toggle("btn-outline-secondary", !on);
    var label = bell.querySelector("[data-notify-label]");
    if (label) label.textContent = text;
  }

  function showSpeaker() {
    if (!speaker) return;
    var on = stored(SOUND_KEY);
    speaker.setAttribute("aria-pressed", on ? "true" : "false");
    speaker.classList.toggle("btn-primary", on);
    speaker.classList.toggle("btn-outline-secondary", !on);
  }

  function chime() {
    var audio = new Audio(data.dataset.soundUrl);
    var played = audio.play();
    if (played && played.catch) played.catch(function () { /* autoplay refused */ });
  }

  if (bell) {
    bell.addEventListener("click", function () {
      if (!supported) { showBell(); return; }
      if (Notification.permission === "granted") {
        store(NOTIFY_KEY, !stored(NOTIFY_KEY));
        showBell();
        return;
      }
      if (Notification.permission === "denied") { showBell(); return; }
      Notification.requestPermission().then(function (answer) {
        store(NOTIFY_KEY, answer === "granted");
        showBell();
      });
    });
  }
  if (speaker) {
    speaker.addEventListener("click", function () {
      var on = !stored(SOUND_KEY);
      store(SOUND_KEY, on);
      showSpeaker();
      if (on) chime();  // a sample, and the click lets the page play sounds later
    });
  }
  showBell();
  showSpeaker();

  // Several desk tabs hear the same frame: the first to claim it announces it.
  function claim(key) {
    try {
      var name = "destek.notified." + key;
      var last = parseInt(localStorage.getItem(name) || "0", 10);
      if (Date.now() - last < CLAIM_MS) return false;
      localStorage.setItem(name, String(Date.now()));
    } catch (e) { /* no storage: every tab announces */ }
    return true;
  }

  function announce(key, body, url) {
    if (!notifyOn() && !stored(SOUND_KEY)) return;
    if (!claim(key)) return;
    if (stored(SOUND_KEY)) chime();
    if (!notifyOn()) return;
    var note = new Notification(data.dataset.labelTitle, { body: body, tag: key });
    note.onclick = function () {
      window.focus();
      location.href = url;
      note.close();
    };
  }

  function ticketUrl(id) { return data.dataset.ticketUrl.replace(/\/1\/$/, "/" + id + "/"); }

  document.addEventListener("desk:socket", function (e) {
    var frame = e.detail || {};
    if (frame.type === "ticket.assigned") {
      announce("assigned-" + frame.ticket_id,
               data.dataset.labelAssigned.replace("{reference}", frame.reference),
               ticketUrl(frame.ticket_id));
    } else if (frame.type === "chat.waiting") {
      announce("chat-" + frame.conversation, data.dataset.labelChatWaiting,
               data.dataset.consoleUrl);
    }
  });
})();
