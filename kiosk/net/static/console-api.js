// The associate console's scripts (console*.js, compare.js) reach the mirror and build the page
// the same way, through these helpers. Plain JS, no build step; loaded first.
"use strict";
window.consoleApi = (() => {
  const KEY = "smartmirror.console.token";  // the sign-in's session token, in sessionStorage

  const LOST = "the connection to the mirror is lost";

  // How long the mirror has to start answering a request. A mirror that hangs, or that went off
  // the Wi-Fi without a word, never refuses the connection: without this the request would wait
  // for many minutes, and the console would go on showing its last lists as current, "live".
  const ANSWER_MS = 10000;

  // fetch(), given up as unanswered after ANSWER_MS without the answer's headers (its body, a
  // video, may take longer); the caller's own signal (options.signal) still aborts it. The error
  // says which: ``silent`` when the mirror took the request and said nothing in ANSWER_MS, not
  // when the connection failed at once (no Wi-Fi, nothing listening).
  async function fetchAnswered(path, options = {}) {
    const giveUp = new AbortController();
    const timer = setTimeout(() => giveUp.abort(), ANSWER_MS);
    const caller = options.signal;
    if (caller) caller.addEventListener("abort", () => giveUp.abort(), { once: true });
    try {
      return await fetch(path, Object.assign({}, options, { signal: giveUp.signal }));
    } catch (err) {
      if (caller && caller.aborted) throw err;  // the caller's abort, not the mirror's silence
      throw Object.assign(new Error("no answer"), { unanswered: true, silent: giveUp.signal.aborted });
    } finally {
      clearTimeout(timer);
    }
  }

  // A request to the mirror that served the page, with the sign-in's token. A 401 means the
  // session is over (expired, or signed out elsewhere): "console:signed-out" tells console.js,
  // which signs out, closes any open dialog and asks for the PIN again. A request that gets no
  // answer at all, or none in ANSWER_MS, fails with plain words (never the browser's "Failed to
  // fetch") and "console:connection" tells console.js whether the mirror answers. ``options.token``: the
  // token of the sign-in that asked, where it must not be the one signed in now (a deletion, console-delete.js).
  async function api(path, options = {}) {
    const token = options.token || sessionStorage.getItem(KEY);
    const headers = Object.assign({}, options.headers || {}, { Authorization: `Bearer ${token}` });
    let resp;
    try {
      resp = await fetchAnswered(path, Object.assign({}, options, { headers }));
    } catch (err) {
      if (err.name === "AbortError") throw err;
      document.dispatchEvent(new CustomEvent("console:connection", { detail: false }));
      throw Object.assign(new Error(LOST), { offline: true });
    }
    document.dispatchEvent(new CustomEvent("console:connection", { detail: true }));
    if (resp.status === 401) {
      document.dispatchEvent(new CustomEvent("console:signed-out"));
      throw Object.assign(new Error("signed out"), { signedOut: true });
    }
    if (!resp.ok) {
      let message = `HTTP ${resp.status}`;
      try { message = (await resp.json()).message || message; } catch (_) { /* not JSON */ }
      throw Object.assign(new Error(message), { status: resp.status });
    }
    return resp;
  }

  // An element with attributes, a click handler and children; text goes in as textContent only.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") node.className = v;
      else if (k.startsWith("data-") || k.startsWith("aria-")) node.setAttribute(k, v);
      else if (k === "onclick") node.addEventListener("click", v);
      else node[k] = v;
    }
    node.append(...children);
    return node;
  }

  // Where the keyboard is, in terms that outlive a re-render of the lists (every few seconds):
  // the list (#queue, #mirrors, #looks), the item's data-id and the control's data-key.
  function focusPlace(node) {
    if (!node || node === document.body || !node.closest) return null;
    const list = node.closest("#queue, #mirrors, #looks");
    const item = node.closest("li[data-id]");
    if (!list || !item) return { node };
    return { node, list: list.id, id: item.dataset.id, key: node.dataset.key || null };
  }

  // Focus the same control again (or its list item, or the list's heading, when it went away).
  // Nothing happens when focus is still somewhere else than ``from`` (the associate has moved on).
  function refocus(place, from = null) {
    const active = document.activeElement;
    const lost = !active || active === document.body || !active.isConnected || (from && from.contains(active));
    if (!place || !lost) return;
    if (place.node && place.node.isConnected) { place.node.focus({ preventScroll: true }); return; }
    if (!place.list) return;
    const list = document.getElementById(place.list);
    const item = [...list.querySelectorAll("li[data-id]")].find((li) => li.dataset.id === place.id);
    const control = item && place.key && [...item.querySelectorAll("[data-key]")].find((c) => c.dataset.key === place.key);
    const target = control && !control.disabled ? control : item || list.closest("section").querySelector("h2");
    if (!control || control.disabled) target.tabIndex = -1;  // an item or heading takes focus only from here
    target.focus({ preventScroll: true });
  }

  // Re-draw part of the page without losing the keyboard's place.
  function keepingFocus(draw) {
    const place = focusPlace(document.activeElement);
    draw();
    refocus(place);
  }

  // A modal dialog that gives focus back to what opened it when it closes (Escape included),
  // even when the list it was opened from was drawn anew meanwhile.
  function showDialog(dialog) {
    dialog.opener = focusPlace(document.activeElement);
    if (!dialog.dataset.refocus) {
      dialog.dataset.refocus = "yes";
      // focus may still sit on a control of the closed dialog here: that counts as lost
      dialog.addEventListener("close", () => { const place = dialog.opener; dialog.opener = null; refocus(place, dialog); });
    }
    dialog.showModal();
  }

  // How many sign-ins have ended on this page (console.js's "console:sign-in-ended", heard here first,
  // this script being the first loaded): work begun during one sign-in compares it when it ends, so
  // that what comes after the sign-in ended (a share's code, a deletion's notice) shows nothing.
  let ended = 0;
  document.addEventListener("console:sign-in-ended", () => { ended += 1; });
  const signInsEnded = () => ended;

  return { KEY, LOST, api, fetchAnswered, el, keepingFocus, showDialog, signInsEnded };
})();
