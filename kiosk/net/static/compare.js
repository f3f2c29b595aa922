// Associate console: compare 2–4 looks side by side, turning together by body angle.
// Plain JS, no build step; kept apart from console-looks.js, which it only hears from through the
// "console:looks" event (the looks list it has just drawn); both reach the mirror through
// console-api.js. Each pane is a <video> of the
// look (fetched with the console's token, played from a blob URL); one slider sets the shared
// body angle and every pane seeks to its frame for that angle, found by anglemap.js, the same
// mapping the mirror uses. Nothing is decoded on the mirror: it only serves files and tracks.
// "Share as one video" and the wait for its code are compare-share.js's.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const { api, el, showDialog } = window.consoleApi;
  const MIN_LOOKS = 2, MAX_LOOKS = 4, MIN_SECONDS = 4, MAX_SECONDS = 15;
  const FULL_MS = 4000;  // how long the compare button says why a fifth tick was undone
  // Why Share as one video is greyed while the comparison's looks load, and after they could not be
  const LOADING = "Share as one video works once the looks have loaded.";
  const NOT_LOADED = "Share as one video needs the looks: close this comparison and open it again.";
  const selected = new Set();
  let panes = [];
  let sweep = 1, seconds = MIN_SECONDS, angle = 0, playing = false, lastFrame = null;
  let online = true;  // whether the mirror answers (console-api.js's "console:connection"): the looks come from it
  let names = new Map();  // what each listed look is called (console-looks.js's lookNames): the panes say it too
  let openings = 0;  // the dialog's data-opening: which opening of it compare-share.js's wait was asked from
  let full = null;   // while the compare button says four is the most (a fifth tick undone): its timer

  // -- picking looks (on the console's list) --------------------------------------------------

  function onLooks(event) {
    names = event.detail.names;
    const shown = new Set(event.detail.looks.map((look) => look.id));
    for (const id of [...selected]) if (!shown.has(id)) selected.delete(id);
    // A look no longer shared (consent withdrawn, forgotten, deleted) leaves an open comparison too:
    // its video is already in the page, so only this takes it off the associate's screen. One that
    // merely grew older than the list's window stays.
    const gone = panes.filter((p) => !event.detail.shared.has(p.id));
    if (gone.length) drop(gone);
    // a look recorded since in the same minute as a pane's: the pane says its seconds, as the list now does
    for (const pane of panes) if (names.has(pane.id)) pane.name.textContent = names.get(pane.id);
    for (const item of document.querySelectorAll("#looks li.look[data-id]")) {
      if (item.querySelector("input.compare-pick")) continue;
      const id = item.dataset.id;
      const box = el("input", { type: "checkbox", class: "compare-pick", "data-key": "compare", checked: selected.has(id) });
      box.addEventListener("change", () => {
        if (box.checked && selected.size >= MAX_LOOKS) { box.checked = false; sayFull(); sayTicked(); return; }
        if (box.checked) selected.add(id); else { selected.delete(id); clearTimeout(full); full = null; }
        updateButton();
        sayTicked();
      });
      // above the look's Delete, which stays the tile's last control, apart from the everyday ones (console.css)
      item.insertBefore(el("label", { class: "compare-label" }, box, " Compare"), item.querySelector(":scope > button.delete"));
    }
    updateButton();
  }

  // A fifth tick is undone at once: without a word the box would seem not to take the tap. For a few
  // seconds the floating button, where the associate is looking, says why (an untick ends it sooner).
  function sayFull() {
    clearTimeout(full);
    full = setTimeout(() => { full = null; updateButton(); }, FULL_MS);
    updateButton();
  }

  // From the first tick the button floats at the screen's foot (console.css: .floating), where the
  // associate is looking, saying what one more tick does; its place at the end of the list is far off.
  // With the connection lost it is greyed like the lists, saying so: the looks could not be fetched.
  function updateButton() {
    const button = $("compare-open");
    button.disabled = selected.size < MIN_LOOKS || !online;
    button.classList.toggle("floating", selected.size > 0);
    button.textContent = selected.size === 0 ? "Tick two to four looks to compare them"
      : selected.size < MIN_LOOKS ? "1 ticked: tick one more to compare"
      : `Compare ${selected.size} looks${online ? "" : " once the connection is back"}`
        + (full === null ? "" : " (four at most: untick one to add another)");
  }

  // The button's words change where a screen reader is not: after each tick they are also read out,
  // politely (#compare-ticked, a live region of its own). Only a tick's: the button also changes
  // with the connection and when "four at most" times out, which nobody asked to hear then.
  function sayTicked() {
    $("compare-ticked").textContent = $("compare-open").textContent;
  }

  // The sign-in ended (signed out, expired, ended by the mirror): the next associate on the shared
  // tablet starts with nothing ticked (the dialog's close drops the comparison itself).
  function forget() {
    selected.clear();
    clearTimeout(full);
    full = null;
    for (const box of document.querySelectorAll("#looks input.compare-pick")) box.checked = false;
    updateButton();
    $("compare-ticked").textContent = "";
  }

  // -- the comparison ---------------------------------------------------------------------------

  function phase(a) { return (((sweep * a) % 360) + 360) % 360 / 360; }

  // Where a pane is at shared angle a: its angle map, or its own time for a look that cannot follow.
  function paneTime(pane, a) {
    if (pane.map) return pane.map.at(a);
    const t = Math.min(pane.start + phase(a) * seconds, Math.max(pane.duration - 0.05, pane.start));
    return { t, covered: true };
  }

  function setAngle(a) {
    angle = AngleMaps.wrap180(a);
    $("compare-angle").value = String(Math.round(angle));
    $("compare-angle-out").textContent = `${Math.round(angle)}°`;
    for (const pane of panes) {
      const where = paneTime(pane, angle);
      pane.expected = where.t;
      pane.figure.dataset.expected = where.t.toFixed(4);
      pane.video.currentTime = where.t;
      pane.hint.textContent = pane.map ? (where.covered ? "" : "This look does not turn this far: nearest view") : pane.reason;
    }
  }

  // A look with a span (the part of its width the shopper reached, as the mirror crops its pane)
  // shows only that: the video's box takes the crop's shape and the picture covers it, moved so
  // that x0 is at the box's left edge. The console shows the video as stored, unmirrored; the
  // mirror sends no span where that is not the picture the span was measured on.
  function cropTo(video, span, width, height) {
    if (!span || !(width > 0 && height > 0)) return;
    const [x0, x1] = span;
    const left = Math.min(Math.max(x0 / Math.max(1 - (x1 - x0), 1e-6), 0), 1);
    video.classList.add("cropped");
    video.style.setProperty("--crop-aspect", String((x1 - x0) * width / height));
    video.style.objectPosition = `${(left * 100).toFixed(4)}% 50%`;
  }

  async function loadPane(look) {
    const [turn, blob] = await Promise.all([
      api(`/api/v1/looks/${encodeURIComponent(look.id)}/turn`).then((r) => r.json()),
      api(look.video_url).then((r) => r.blob()),
    ]);
    const video = el("video", { muted: true, playsInline: true, preload: "auto", src: URL.createObjectURL(blob) });
    cropTo(video, turn.span, look.width, look.height);
    // the picture's own size, once known, where the list's could differ
    video.addEventListener("loadedmetadata", () => cropTo(video, turn.span, video.videoWidth, video.videoHeight));
    const built = turn.yaw.length ? AngleMaps.buildAngleMap(turn.yaw, turn.turn) : { reason: turn.unaligned_reason };
    const map = built.reason ? null : built;
    const hint = el("div", { class: "hint" });
    // as the looks list and the share's reasons say it; a look no longer listed (older than the list) by its time
    const name = el("strong", { textContent: names.get(look.id) || window.consolePage.clock(look.created) });
    const figure = el("figure", { class: "compare-pane", "data-id": look.id }, video, el("figcaption", {}, name, hint));
    // why it plays by time (its own words, for its pane: see byTime()); "" when it follows the angle
    const pane = { id: look.id, video, map, figure, name, hint, expected: 0, duration: look.duration_s,
      start: turn.turn ? turn.turn.start_s : 0, why: map ? "" : built.reason, reason: "" };
    pane.turnSeconds = turn.turn ? turn.turn.end_s - turn.turn.start_s
      : map ? Math.max(...map.times) - Math.min(...map.times) : Math.min(look.duration_s, MAX_SECONDS);
    return pane;
  }

  // The same reason, said of every look of the comparison at once.
  const ALL_BY_TIME = {
    "the mirror kept no body-angle track with this look": "the mirror kept no body angles for them",
    "it has too few body-angle measurements": "they have too few body-angle measurements",
    "it has too few body-angle measurements during the turn": "they have too few body-angle measurements during the turn",
    "its body angle was measured with too little confidence": "their body angles were measured with too little confidence",
  };

  // Why the looks play by time, said once for the comparison when every one does for the same reason
  // (a phone's narrow panes would each repeat it), or per pane when they differ: a look that follows
  // the angle beside one that cannot, or two reasons. Returns the comparison's sentence, or "".
  function byTime() {
    const whys = new Set(panes.map((p) => p.why));
    const once = whys.size === 1 && !whys.has("");
    for (const pane of panes) pane.reason = !once && pane.why ? `Plays by time: ${pane.why}` : "";
    if (!once) return "";
    const why = ALL_BY_TIME[[...whys][0]] || "none has a usable body-angle turn";
    return `These looks play side by side by time: ${why}.`;
  }

  async function open() {
    const dialog = $("compare-dialog");
    clear();
    $("compare-status").textContent = "Loading the looks…";
    // Nothing to turn or to share until its looks are in (never the last opening's slider): no slider,
    // and Share as one video greyed saying why (pressed now it would ask for a video of no looks).
    $("compare-slider").hidden = true;
    const opening = ++openings;
    dialog.dataset.opening = String(opening);
    // A slow mirror answers late: by then this opening may be closed, or replaced by another (opened
    // again meanwhile), whose panes and greyed Share button its own must not replace.
    const current = () => opening === openings && dialog.open;
    window.compareShare.opened(LOADING);
    showDialog(dialog);
    let loaded;
    try {
      const all = (await (await api("/api/v1/looks")).json()).looks;
      const looks = [...selected].map((id) => all.find((l) => l.id === id)).filter(Boolean);
      loaded = await Promise.allSettled(looks.map(loadPane));  // every video in, or failed: none left unreleased
    } catch (err) {
      if (current()) notLoaded(err);
      return;
    }
    const fresh = loaded.filter((r) => r.status === "fulfilled").map((r) => r.value);
    const failure = loaded.find((r) => r.status === "rejected");
    if (!current() || failure) {
      release(fresh);
      if (current()) notLoaded(failure.reason);
      return;
    }
    panes = fresh;
    const leader = pace();
    $("compare-panes").replaceChildren(...panes.map((p) => p.figure));
    const once = byTime();
    $("compare-status").textContent = leader ? "Drag to turn all looks together."
      : once || "None of these looks has a usable turn: they play by time.";
    setAngle(0);
    window.compareShare.opened();  // a wait for a code greys its button: it says why, here or beside it
  }

  function notLoaded(err) {
    $("compare-status").textContent = `Could not load the looks: ${err.message}`;
    window.compareShare.opened(NOT_LOADED);
  }

  // The first look that follows the angle sets the way round, the slowest turn the pace.
  function pace() {
    const leader = panes.find((p) => p.map);
    sweep = leader ? leader.map.sign : 1;
    seconds = Math.min(Math.max(Math.max(...panes.map((p) => p.turnSeconds)), MIN_SECONDS), MAX_SECONDS);
    $("compare-panes").dataset.count = String(panes.length);
    // No look follows the angle: a "Body angle" slider would turn nothing by angle (the status says they
    // play by time; Turn still plays them side by side).
    $("compare-slider").hidden = !leader;
    return leader;
  }

  // Panes' videos stopped and their blob URLs released: the page keeps a fetched video until then.
  function release(gone) {
    for (const pane of gone) {
      pane.video.pause();
      URL.revokeObjectURL(pane.video.src);
    }
  }

  // The comparison off the page (closed, or opened anew): nothing of its looks stays in it.
  function clear() {
    stop();
    release(panes);
    panes = [];
    $("compare-panes").replaceChildren();
  }

  function drop(gone) {
    release(gone);
    for (const pane of gone) pane.figure.remove();
    panes = panes.filter((p) => !gone.includes(p));
    if (panes.length < MIN_LOOKS) {
      $("compare-dialog").close();
      // it went from under the associate's eyes: the notice says why (the dialog's own status went with it)
      window.consolePage.notify("The comparison closed: too few of its looks are still shared (withdrawn or deleted).");
      return;
    }
    pace();
    const once = byTime();  // those left may now all play by time for the same reason
    $("compare-status").textContent = `${gone.length === 1 ? "A look" : "Looks"} left the comparison: no longer shared (withdrawn or deleted).${once ? ` ${once}` : ""}`;
    setAngle(angle);
  }

  function tick(now) {
    if (!playing) return;
    if (lastFrame !== null) setAngle(angle + sweep * 360 * (now - lastFrame) / 1000 / seconds);
    lastFrame = now;
    requestAnimationFrame(tick);
  }

  function play() {
    playing = !playing;
    lastFrame = null;
    $("compare-play").textContent = playing ? "Stop" : "Turn";
    if (playing) requestAnimationFrame(tick);
  }

  function stop() {
    playing = false;
    $("compare-play").textContent = "Turn";
  }

  // -- one rendered video, shared by QR code (compare-share.js) --------------------------------

  // The button is compare-share.js's: greyed, saying why, while it waits for a code.
  function share() {
    window.compareShare.share(panes.map((p) => p.id));
  }

  document.addEventListener("console:looks", onLooks);
  document.addEventListener("console:sign-in-ended", forget);
  document.addEventListener("console:connection", (event) => {
    if (event.detail !== online) { online = event.detail; updateButton(); }
  });
  $("compare-open").addEventListener("click", open);
  $("compare-angle").addEventListener("input", (event) => { stop(); setAngle(Number(event.target.value)); });
  $("compare-play").addEventListener("click", play);
  $("compare-share").addEventListener("click", share);
  // closed (Close, Escape, a sign-out): its looks go, unless it was opened again before this came
  $("compare-dialog").addEventListener("close", () => { if (!$("compare-dialog").open) clear(); });
  updateButton();
})();
