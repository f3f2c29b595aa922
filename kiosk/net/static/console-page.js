// What the console's views (console-queue.js, console-notes.js, console-looks.js) and console.js
// share (compare.js too): the notice for a failed action, plain words for times and failures, names
// kept apart from the words around them, the share dialog's QR code, and "console:changed", which asks console.js for a fresh overview
// now. Plain JS, no build step; loaded after console-api.js.
"use strict";
window.consolePage = (() => {
  const $ = (id) => document.getElementById(id);
  const { LOST, el } = window.consoleApi;

  function ago(ts) {
    const s = Math.max(0, Math.round(Date.now() / 1000 - ts));
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    return `${Math.round(s / 3600)} h ago`;
  }

  // "14:02": a time of day on the tablet's clock.
  function clock(ts) {
    return new Date(ts * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  // What each look of a list (``looks``, the listed ones) is called on the page, by id: its time,
  // "14:02", or "14:02:37" when another look of the list was recorded in the same minute, and
  // "14:02:37 (2)" in the same second, oldest first; so that looks recorded one after the other can
  // be told apart, and the list, the compare panes and a failed video's reason name each one alike.
  function lookNames(looks) {
    const count = (key) => looks.reduce((counts, look) => counts.set(key(look), (counts.get(key(look)) || 0) + 1), new Map());
    const minute = (look) => Math.floor(look.created / 60), second = (look) => Math.floor(look.created);
    const minutes = count(minute), seconds = count(second), nth = new Map();
    const names = new Map();
    for (const look of [...looks].sort((a, b) => a.created - b.created)) {
      if (minutes.get(minute(look)) === 1) { names.set(look.id, clock(look.created)); continue; }
      const name = new Date(look.created * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit", second: "2-digit" });
      if (seconds.get(second(look)) === 1) { names.set(look.id, name); continue; }
      nth.set(second(look), (nth.get(second(look)) || 0) + 1);
      names.set(look.id, `${name} (${nth.get(second(look))})`);
    }
    return names;
  }

  // Names and rooms come from each mirror's settings, in any script: each is isolated in a <bdi>
  // so that a right-to-left one cannot reorder the words around it ("8 s ago" read "s ago 8").
  function bidi(text) {
    return el("bdi", { textContent: text });
  }

  // The parts (strings, elements; empty ones left out) joined by " · ".
  function dotted(...parts) {
    return parts.filter(Boolean).flatMap((p, i) => (i ? [" · ", p] : [p]));
  }

  function room(r) {
    return ["Room ", bidi(r)];
  }

  // "Tue 8 Dec, 14:02": when a share link ends, the day in words (never "08/12/2026", which reads as
  // August on an American tablet) and the time as the looks' times, without seconds.
  function until(ts) {
    return new Date(ts * 1000).toLocaleString([], { weekday: "short", day: "numeric", month: "short",
                                                    hour: "numeric", minute: "2-digit" });
  }

  // What went wrong with an associate's action, on the page (no alert box to dismiss first); ``done``: the
  // message says an action worked ("Deleted the 3 looks of this visit."), drawn green, not in a failure's red.
  function notify(message, done = false) {
    $("notice-text").textContent = message;
    $("notice").classList.toggle("done", !!message && done);
    $("notice").hidden = !message;
  }

  $("notice-close").addEventListener("click", () => notify(""));

  // The connection lost (console-api.js's "console:connection"): a notice that an action worked ("Deleted the
  // look...") is old news under the banner that says the lists may be out of date, and goes; a failure stays,
  // as the associate may still have to do it again.
  document.addEventListener("console:connection", (event) => {
    if (!event.detail && $("notice").classList.contains("done")) notify("");
  });

  function failed(what, err) {
    return err.offline ? `Could not ${what}: ${LOST}. Try again once it is back.` : `Could not ${what}: ${err.message}`;
  }

  // A share link's QR code, link and end on the tablet's clock, for the customer to scan (a look's
  // or a comparison's: ``s`` is the mirror's answer to .../share), and ``about``: which looks it is
  // of, where the screen does not show it (compare-share.js), else "".
  // what: "look" (one look's link) or "looks" (a comparison's: the looks side by side, as its page says).
  function showShare(s, about = "", what = "look") {
    $("qr-title").textContent = what === "looks" ? "Scan to take these looks home" : "Scan to take the look home";
    $("qr-about").textContent = about;
    $("qr-about").hidden = !about;
    $("qr-image").src = new URL(s.qr_svg_url).pathname;
    $("qr-link").href = s.url;
    $("qr-link").textContent = s.url;
    $("qr-expiry").textContent = `Works until ${until(s.expires_at)}`;
    window.consoleApi.showDialog($("qr-dialog"));
  }

  // The sign-in ended: the last code shown (a working link to a shopper's looks) leaves the page with it.
  document.addEventListener("console:sign-in-ended", () => {
    $("qr-image").removeAttribute("src");
    $("qr-link").href = "#";
    $("qr-link").textContent = "";
    $("qr-about").textContent = "";
    $("qr-about").hidden = true;
    $("qr-expiry").textContent = "";
  });

  // The header stays at the top of the screen (sticky) and grows with a banner (the connection lost, a
  // notice): whatever the page brings into view at the top (Shift+Tab, a screen reader's cursor, the
  // "waiting" link) must stop below it, not under it. console.css pads the page's scrolling by its
  // height, which only the page knows: it is kept in --header-height.
  function keepClearOfHeader() {
    const header = document.querySelector("header");
    const measure = () => document.documentElement.style.setProperty("--header-height", `${header.offsetHeight}px`);
    new ResizeObserver(measure).observe(header);
  }

  keepClearOfHeader();

  // Something changed on the mirror (an action here, an event on the stream): refresh now.
  function changed() {
    document.dispatchEvent(new CustomEvent("console:changed"));
  }

  return { $, ago, clock, lookNames, bidi, dotted, room, notify, failed, changed, showShare };
})();
