// Associate console: plain JS, no build step. Talks only to the mirror that served it, with the
// session token of a sign-in (never the store's API token, which stays on the mirror).
"use strict";

const $ = (id) => document.getElementById(id);
const { KEY, LOST, api, el, keepingFocus, showDialog } = window.consoleApi;
const LOOK_WINDOW_S = 4 * 3600;
let token = sessionStorage.getItem(KEY);
let refreshTimer = null;
let streamAbort = null;
let refreshing = false;
let refreshAgain = false;
let heardRequests = null;  // ids of the help requests shown so far; null before the first overview
let storeName = "Store";
const posterUrls = new Map();

function show(signedIn) {
  $("sign-in-view").hidden = signedIn;
  $("console-view").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  $("live").hidden = !signedIn;  // live updates are a signed-in console's; nothing to say on the sign-in screen
}

function setLive(state) {
  $("live").classList.toggle("off", state !== "live");
  $("live").textContent = state;
}

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

const KIND = { size: "Another size, please", associate: "Please come" };
const STATE = { idle: "free", session: "in use", recording: "recording a look" };

function badge(m) {
  if (m.trusted === false) return m.reachable ? "not verified" : "not answering";
  return m.reachable === false ? "not answering" : (STATE[m.state] || m.state);
}

// Other mirrors come from this mirror's checked answers; a device that could not prove it
// belongs to the store is listed by its address only, marked "not verified". A mirror that
// proved itself and stopped answering keeps its last answer (reachable false, last_seen).
function lostMirror(m) {
  return m.trusted !== false && m.reachable === false && m.last_seen;
}

function mirrorMeta(m) {
  if (lostMirror(m)) return [`Not answering since ${clock(m.last_seen)}; its requests may be out of date`];
  return dotted(m.room && el("span", {}, ...room(m.room)), m.self && "this mirror", m.problem);
}

function renderMirrors(mirrors) {
  const list = $("mirrors");
  keepingFocus(() => list.replaceChildren(...mirrors.map((m) => el("li",
    { class: m.trusted === false ? "mirror unverified" : lostMirror(m) ? "mirror lost" : "mirror", "data-name": m.name,
      "data-state": m.state, "data-id": m.id, title: m.problem || "" },
    el("div", { class: "name", dir: "auto", textContent: m.name }),
    ...(lostMirror(m) && m.room ? [el("div", { class: "meta" }, ...room(m.room))] : []),
    el("div", { class: "meta" }, ...mirrorMeta(m)),
    el("span", { class: "badge state", textContent: badge(m) }),
  ))));
}

// The number of open requests stays in sight (the sticky header, the tab's title) however far
// down the looks the associate has scrolled; a new one is also read out (aria-live).
function announceQueue(queue) {
  const open = queue.filter((q) => q.open);
  const words = open.length === 1 ? "1 waiting for help" : `${open.length} waiting for help`;
  $("waiting").hidden = open.length === 0;
  $("waiting").textContent = words;
  document.title = `${open.length ? `(${open.length}) ` : ""}${storeName} · Associate console`;
  if (heardRequests !== null) {
    const fresh = open.filter((q) => !heardRequests.has(q.id));
    if (fresh.length) {
      $("announce").textContent = fresh.map((q) =>
        `New help request: ${q.room ? `Room ${q.room}` : q.mirror_name}, ${KIND[q.kind] || q.kind}${q.detail ? `: ${q.detail}` : ""}.`).join(" ");
    }
  }
  heardRequests = new Set(queue.map((q) => q.id));
}

function renderQueue(queue) {
  announceQueue(queue);
  $("queue-empty").hidden = queue.some((q) => q.open);
  keepingFocus(() => $("queue").replaceChildren(...queue.map((q) => {
    // a request of a mirror that does not answer now: as last heard, and it cannot be confirmed there
    const lost = q.reachable === false;
    const button = !q.open ? el("span", { class: "hint", textContent: `${q.acked_by || "someone"} is on the way` }) :
      lost ? el("button", { type: "button", disabled: true }, "Can't confirm until ",
        ...(q.room ? ["the ", ...room(q.room), " mirror"] : [bidi(q.mirror_name)]), " answers") :
      el("button", { textContent: "On my way", "data-key": "ack", onclick: () => acknowledge(q, button) });
    return el("li", { class: `${q.open ? "open" : "done"}${lost ? " lost" : ""}`, "data-id": q.id },
      el("div", { class: "what" },
        el("strong", {}, ...(q.room ? room(q.room) : [bidi(q.mirror_name)]), `: ${KIND[q.kind] || q.kind}`),
        ...(q.detail ? [el("div", { class: "detail", dir: "auto", textContent: q.detail })] : []),  // "one size smaller"
        el("div", { class: "hint" }, ...dotted(bidi(q.mirror_name), ago(q.created_at),
          lost && "the mirror is not answering: this may be out of date"))),
      button);
  })));
}

// What went wrong with an associate's action, on the page (no alert box to dismiss first).
function notify(message) {
  $("notice-text").textContent = message;
  $("notice").hidden = !message;
}

$("notice-close").addEventListener("click", () => notify(""));

// Whether the mirror that served the page answers: when it does not, a banner says the lists
// are no longer current, and they are greyed out, until a request gets through again.
let connected = true;
document.addEventListener("console:connection", (event) => { if (token) setConnected(event.detail); });

function setConnected(up) {
  if (up === connected) return;
  connected = up;
  $("connection").hidden = connected;
  document.body.classList.toggle("disconnected", !connected);
  $("queue-empty").textContent = connected ? "Nobody is waiting for help." : "Can't tell who is waiting while the connection is lost.";
  $("looks-empty").textContent = connected ? "No consented looks yet." : "Can't show the looks while the connection is lost.";
}

function failed(what, err) {
  return err.offline ? `Could not ${what}: ${LOST}. Try again once it is back.` : `Could not ${what}: ${err.message}`;
}

async function acknowledge(q, button) {
  button.disabled = true;
  try {
    await api(`/console/api/assist/${encodeURIComponent(q.mirror_id)}/${encodeURIComponent(q.id)}/ack`, { method: "POST" });
  } catch (err) {
    button.disabled = false;
    notify(failed("confirm", err));
  }
  scheduleRefresh(0);
}

async function poster(look) {
  if (posterUrls.has(look.id)) return posterUrls.get(look.id);
  const blob = await (await api(look.poster_url)).blob();
  const url = URL.createObjectURL(blob);
  posterUrls.set(look.id, url);
  return url;
}

// Looks by visit (the mirror's session), newest visit first, so that an associate shares a
// shopper's own looks: "Visit at 2:05 PM, Room 7 · loyalty card · 3 looks". Never a card key or
// a session id on the page: a card only as "loyalty card". A look outside any visit stands alone.
function visits(looks) {
  const groups = new Map();
  for (const look of looks) {
    const key = look.session_id ? `session:${look.session_id}` : `look:${look.id}`;
    if (!groups.has(key)) groups.set(key, { visit: !!look.session_id, looks: [] });
    groups.get(key).looks.push(look);
  }
  const newest = (g) => Math.max(...g.looks.map((l) => l.created));
  return [...groups.values()].sort((a, b) => newest(b) - newest(a));
}

function visitHeading(group, where) {
  const first = Math.min(...group.looks.map((l) => l.created));
  const n = group.looks.length;
  return dotted(el("span", {}, `${group.visit ? "Visit" : "Look"} at ${clock(first)}`, ...(where ? [", ", ...room(where)] : [])),
    group.looks.some((l) => l.customer_id) && "loyalty card",
    group.visit && (n === 1 ? "1 look" : `${n} looks`));
}

async function renderLooks(where) {
  const data = await (await api("/api/v1/looks")).json();
  const since = Date.now() / 1000 - LOOK_WINDOW_S;
  const looks = data.looks.filter((l) => l.consent === "granted" && l.created >= since);
  $("looks-empty").hidden = looks.length > 0;
  const item = (look) => {
    // No alt text until the poster is there: a look whose poster cannot be had keeps its grey
    // tile, not a broken-picture icon.
    // The poster is the button that plays the look (the image itself says nothing more).
    const img = el("img", { alt: "", loading: "lazy" });
    poster(look).then((u) => { img.src = u; }).catch(() => {});
    const label = `Play the look recorded at ${clock(look.created)}`;
    return el("li", { class: "look", "data-id": look.id },
      el("button", { type: "button", class: "play", "data-key": "play", "aria-label": label, title: label,
                     onclick: () => play(look) },
        img, el("span", { class: "play-mark", "aria-hidden": "true", textContent: "▶ Play" })),
      el("span", { class: "hint", textContent: ago(look.created) }),
      renderNotes(look),
      el("button", { class: "share", "data-key": "share", textContent: "Share to customer", onclick: () => share(look) }),
      el("button", { class: "add-note", "data-key": "note", textContent: "Add note or product", onclick: () => openNote(look) }),
    );
  };
  const items = visits(looks).map((group) => el("li", { class: "visit" },
    el("h3", {}, ...visitHeading(group, where)),
    el("ul", { class: "looks" }, ...group.looks.map(item))));
  keepingFocus(() => {
    $("looks").replaceChildren(...items);
    document.dispatchEvent(new CustomEvent("console:looks", { detail: looks }));  // compare.js adds its boxes
  });
}

// One look's video, fetched with the session's token like the posters (a plain <video src>
// could not send it) and played from a blob URL, dropped again when the dialog closes.
let playing = 0;

async function play(look) {
  const video = $("video-player");
  const mine = ++playing;
  $("video-title").textContent = `Look recorded at ${clock(look.created)}`;
  $("video-status").textContent = "Loading the video…";
  showDialog($("video-dialog"));
  try {
    const blob = await (await api(look.video_url)).blob();
    if (mine !== playing || !$("video-dialog").open) return;  // closed (or another look opened) meanwhile
    video.src = URL.createObjectURL(blob);
    $("video-status").textContent = "";
    video.play().catch(() => {});  // the associate can still press play
  } catch (err) {
    if (mine === playing) $("video-status").textContent = failed("load the video", err);
  }
}

$("video-dialog").addEventListener("close", () => {
  const video = $("video-player");
  playing += 1;
  video.pause();
  if (video.src) URL.revokeObjectURL(video.src);
  video.removeAttribute("src");
  video.load();
});

// Notes and products on a look: a product also shows on the customer's share page, a note
// stays with the staff. textContent only: whatever an associate typed is never markup.
function renderNotes(look) {
  return el("ul", { class: "notes" }, ...(look.notes || []).map((n) => el("li", { "data-note": n.id },
    el("span", { class: "words" },
      ...(n.product ? [el("span", { class: "product" }, "Product: ", bidi(n.product))] : []),
      ...(n.product && n.text ? [el("br")] : []),
      ...(n.text ? [el("span", { class: "text", dir: "auto", textContent: n.text })] : [])),
    el("button", { type: "button", textContent: "✕", title: "Delete this note", "aria-label": "Delete this note",
                   "data-key": `note-delete:${n.id}`,
                   onclick: (event) => deleteNote(look, n, event.currentTarget) }))));
}

let noteLook = null;

function openNote(look) {
  noteLook = look;
  $("note-product").value = "";
  $("note-text").value = "";
  $("note-error").textContent = "";
  $("note-save").disabled = false;
  showDialog($("note-dialog"));
  $("note-product").focus();
}

$("note-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const product = $("note-product").value.trim();
  const text = $("note-text").value.trim();
  if (!product && !text) {
    $("note-error").textContent = "Type a product or a note first.";
    return;
  }
  $("note-save").disabled = true;
  try {
    await api(`/api/v1/looks/${encodeURIComponent(noteLook.id)}/notes`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ product, text }),
    });
    $("note-dialog").close();
    scheduleRefresh(0);
  } catch (err) {
    // what was typed stays in the dialog, to save again
    $("note-error").textContent = err.offline ? `Could not save: ${LOST}. Your text is kept: save again once it is back.`
      : `Could not save: ${err.message}`;
    $("note-save").disabled = false;
  }
});

$("note-cancel").addEventListener("click", () => $("note-dialog").close());

async function deleteNote(look, note, button) {
  if (!confirm("Delete this note?")) return;
  button.disabled = true;
  try {
    await api(`/api/v1/looks/${encodeURIComponent(look.id)}/notes/${encodeURIComponent(note.id)}`, { method: "DELETE" });
  } catch (err) {
    button.disabled = false;
    notify(failed("delete the note", err));
  }
  scheduleRefresh(0);
}

async function share(look) {
  try {
    const s = await (await api(`/api/v1/looks/${encodeURIComponent(look.id)}/share`, { method: "POST" })).json();
    $("qr-image").src = new URL(s.qr_svg_url).pathname;
    $("qr-link").href = s.url;
    $("qr-link").textContent = s.url;
    $("qr-expiry").textContent = `Works until ${new Date(s.expires_at * 1000).toLocaleString()}`;
    showDialog($("qr-dialog"));
  } catch (err) {
    notify(failed("share", err));
  }
}

async function refresh() {
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  try {
    const data = await (await api("/console/api/overview")).json();
    storeName = data.mirror.store || "Store";
    renderMirrors(data.mirrors);
    renderQueue(data.queue);
    await renderLooks(data.mirror.room);
  } catch (err) {
    console.warn("refresh failed", err);
  } finally {
    refreshing = false;
    if (refreshAgain) { refreshAgain = false; scheduleRefresh(0); }
  }
}

function scheduleRefresh(delay) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => { await refresh(); if (token) scheduleRefresh(3000); }, delay);
}

// Server-sent events through fetch, so the token travels in a header and never in a URL.
// Each start() runs one follower; one left from before a quick sign-out and sign-in ends
// instead of running beside it (two streams, double refreshes).
let followers = 0;

async function follow() {
  const mine = ++followers;
  const current = () => token && mine === followers;
  while (current()) {
    streamAbort = new AbortController();
    try {
      const resp = await api("/api/v1/events", { signal: streamAbort.signal });
      setLive("live");
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (/^event: /m.test(frame)) scheduleRefresh(0);
        }
      }
    } catch (err) {
      if (!current()) return;
    }
    if (!current()) return; // signed out: the server ended the stream
    setLive("offline");
    await new Promise((r) => setTimeout(r, 2000));
  }
}

function start() {
  setLive("connecting…");
  show(true);
  scheduleRefresh(0);
  follow();
}

function signOutLocally(message) {
  token = null;
  sessionStorage.removeItem(KEY);
  clearTimeout(refreshTimer);
  if (streamAbort) streamAbort.abort();
  $("sign-in-error").textContent = message || "";
  heardRequests = null;
  $("waiting").hidden = true;
  $("announce").textContent = "";
  document.title = "Smart Mirror · Associate console";
  notify("");
  setConnected(true);
  setLive("offline");  // follow() ends without a word once the token is gone
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();  // nothing of the session stays up
  show(false);
}

$("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  let resp;
  try {
    resp = await fetch("/console/api/sign-in", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ secret: $("secret").value }),
    });
  } catch (_) {
    $("sign-in-error").textContent = "The mirror cannot be reached. Check the tablet's Wi-Fi, then try again.";
    return;
  }
  let body = {};
  try { body = await resp.json(); } catch (_) { /* not JSON */ }
  if (!resp.ok) {
    $("sign-in-error").textContent = body.message || `Sign-in failed (HTTP ${resp.status})`;
    return;
  }
  $("secret").value = "";
  token = body.token;
  sessionStorage.setItem(KEY, token);
  start();
});

document.addEventListener("console:signed-out", () => signOutLocally("Please sign in again."));  // any request's 401

$("sign-out").addEventListener("click", async () => {
  try { await api("/console/api/sign-out", { method: "POST" }); } catch (_) { /* signing out anyway */ }
  signOutLocally();
});

if (token) start(); else show(false);
