// Associate console: signing in and out, the connection banner and the refresh loop that draws
// the views (console-queue.js, console-looks.js) from the mirror's overview. Plain JS, no build
// step; loaded last of the console's own scripts. Talks only to the mirror that served it, with
// the session token of a sign-in (never the store's API token, which stays on the mirror).
"use strict";
(() => {
  const { KEY, api, fetchAnswered } = window.consoleApi;
  const { $, notify } = window.consolePage;
  const queue = window.consoleQueue, looks = window.consoleLooks, stream = window.consoleStream;
  const ENDS = "smartmirror.console.ends";  // when the sign-in ends by itself, and how long it lasts, in sessionStorage
  let token = sessionStorage.getItem(KEY);
  let refreshTimer = null;
  let refreshing = false;
  let refreshAgain = false;

  function show(signedIn) {
    $("sign-in-view").hidden = signedIn;
    $("console-view").hidden = !signedIn;
    $("sign-out").hidden = !signedIn;
    $("live").hidden = !signedIn;  // live updates are a signed-in console's; nothing to say on the sign-in screen
  }

  // Whether the mirror that served the page answers: when it does not, a banner says the lists
  // are no longer current, and they are greyed out, until a request gets through again.
  let connected = true;
  document.addEventListener("console:connection", (event) => { if (token) setConnected(event.detail); });

  function setConnected(up) {
    if (up === connected) return;
    connected = up;
    // A mirror that stopped answering keeps the event stream's connection open without a word:
    // the pill says "offline" at once, and the stream starts over (live again once it is back).
    if (!connected) { stream.setLive("offline"); stream.stop(); }
    $("connection").hidden = connected;
    document.body.classList.toggle("disconnected", !connected);
    $("queue-empty").textContent = connected ? "Nobody is waiting for help." : "Can't tell who is waiting while the connection is lost.";
    $("looks-empty").textContent = connected ? "No consented looks yet." : "Can't show the looks while the connection is lost.";
  }

  async function refresh() {
    if (refreshing) { refreshAgain = true; return; }
    refreshing = true;
    try {
      const data = await (await api("/console/api/overview")).json();
      queue.render(data);
      await looks.render(data.mirror.room);
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

  document.addEventListener("console:changed", () => scheduleRefresh(0));  // an action, or the event stream

  // "console:signed-in" tells the other scripts a sign-in is in use (a new one, or one kept over a
  // reload of the page); compare-share.js picks up the wait for a comparison's code then. Its end,
  // however it came, is signOutLocally's "console:sign-in-ended".
  function start() {
    stream.setLive("connecting…");
    show(true);
    scheduleRefresh(0);
    stream.follow(() => !!token);
    document.dispatchEvent(new CustomEvent("console:signed-in"));
  }

  // "12 hours", "1 minute": how long a sign-in lasted, in words.
  function lasted(seconds) {
    const [n, unit] = seconds >= 3600 ? [Math.round(seconds / 3600), "hour"]
      : seconds >= 60 ? [Math.round(seconds / 60), "minute"] : [Math.round(seconds), "second"];
    return `${n} ${unit}${n === 1 ? "" : "s"}`;
  }

  // Why the mirror no longer takes this sign-in. A sign-in lasts a fixed time from the moment it was
  // made (never extended), so past its end it expired; before, the mirror ended it early: sign-ins
  // live in the mirror's memory, and a restart ends them all.
  function whyEnded() {
    let ends = null;
    try { ends = JSON.parse(sessionStorage.getItem(ENDS)); } catch (_) { /* not ours */ }
    if (!ends || !ends.at) return "Please sign in again.";  // signed in before the mirror said how long
    if (Date.now() >= ends.at) return `Your sign-in expired after ${lasted(ends.lasts_s)}; sign in again.`;
    return "The mirror ended this sign-in early (it may have restarted); sign in again.";
  }

  function signOutLocally(message) {
    token = null;
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ENDS);
    clearTimeout(refreshTimer);
    stream.stop();
    $("sign-in-error").textContent = message || "";
    queue.forget();
    notify("");
    setConnected(true);
    stream.setLive("offline");  // follow() ends without a word once the token is gone
    for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();  // nothing of the session stays up
    // Nor in the page behind: the tablet is shared, and whoever signs in next must not find the looks
    // this associate ticked, played, noted or shared (each script drops its own).
    document.dispatchEvent(new CustomEvent("console:sign-in-ended"));
    show(false);
  }

  // Why a sign-in got no answer, in words: the mirror silent (frozen, or off the Wi-Fi without a
  // word) for the time every request has, or not reached at all.
  function unanswered(err) {
    return err.silent ? "The mirror did not answer; check it is on and try again."
      : "The mirror cannot be reached. Check the tablet's Wi-Fi, then try again.";
  }

  // The Sign in button, off while the mirror has the request ("Signing in…"), so that a slow mirror
  // is seen to be asked, and back once it answers or is given up.
  const signInButton = () => $("sign-in").querySelector("button[type=submit]");

  function signingIn(busy) {
    const button = signInButton();
    button.disabled = busy;
    button.textContent = busy ? "Signing in…" : "Sign in";
  }

  async function signIn() {
    $("sign-in-error").textContent = "";
    $("signed-out").textContent = "";
    let resp;
    // Counted from before the mirror starts the sign-in's time: once the mirror finds it expired, so does the console.
    const sent = Date.now();
    try {
      resp = await fetchAnswered("/console/api/sign-in", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ secret: $("secret").value }),
      });
    } catch (err) {
      $("sign-in-error").textContent = unanswered(err);
      return;
    }
    let body = {};
    try { body = await resp.json(); } catch (_) { /* not JSON */ }
    if (!resp.ok) {
      $("sign-in-error").textContent = body.message || `Sign-in failed (HTTP ${resp.status}). Try again.`;
      // A wrong PIN: the field is emptied for the next try (its dots cannot be read to correct, only
      // erased one by one); a busy mirror (429) keeps it, the same PIN is right once the wait is over.
      if (resp.status === 401) { $("secret").value = ""; $("secret").focus(); }
      return;
    }
    $("secret").value = "";
    token = body.token;
    sessionStorage.setItem(KEY, token);
    if (body.expires_in_s) {
      sessionStorage.setItem(ENDS, JSON.stringify({ at: sent + body.expires_in_s * 1000, lasts_s: body.expires_in_s }));
    }
    start();
  }

  $("sign-in").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (signInButton().disabled) return;  // the one under way answers first
    signingIn(true);
    try { await signIn(); } finally { signingIn(false); }
  });

  // any request's 401; the first says why (those still under way when it came find nobody signed in)
  document.addEventListener("console:signed-out", () => { if (token) signOutLocally(whyEnded()); });

  // Signed out at a tap, without asking first: a tap by mistake is undone by signing in again. The
  // sign-in screen says what happened, so that the associate is not left wondering why the lists went.
  $("sign-out").addEventListener("click", async () => {
    document.dispatchEvent(new CustomEvent("console:signing-out"));  // the associate leaves: nothing they waited for stays
    try { await api("/console/api/sign-out", { method: "POST" }); } catch (_) { /* signing out anyway */ }
    signOutLocally();
    $("signed-out").textContent = "Signed out. Sign in again to go back to the console.";
  });

  if (token) start(); else show(false);
})();
