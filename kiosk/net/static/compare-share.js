// Associate console: "Share as one video" of a side-by-side comparison (compare.js asks): the mirror
// renders it in the background, this waits for it and shows its share code. Plain JS, no build step;
// loaded after console.js, before compare.js.
//
// The wait outlives a restart of the mirror (about a minute; what was left queued is rendered after
// it, kiosk/compare/jobs.py): a request that gets no answer is tried again, less and less often, for
// OUTAGE_MS. The restart ends the sign-in (the mirror keeps sign-ins in memory), so the wait pauses
// until the associate signs in again ("console:signed-in") and then goes on; which comparison it
// waits for is kept in the tab's sessionStorage, so a reload of the page picks it up too.
"use strict";
window.compareShare = (() => {
  const $ = (id) => document.getElementById(id);
  const { KEY, api } = window.consoleApi;

  const WAITING = "smartmirror.console.comparison";  // {id, asked}: the comparison whose code this tab waits for
  // How long a mirror that does not answer is waited for, on the page's clock (Date.now): its test moves that
  // clock on instead of waiting (test_console_compare_restart.py), so there is no setting to shorten it by.
  const OUTAGE_MS = 3 * 60 * 1000;
  const KEPT_MS = 60 * 60 * 1000;    // the mirror renders one left queued only if asked for within the hour
  const BACKOFF_MS = [1000, 2000, 4000, 8000];
  const MAKING = "The mirror is putting the looks into one video…";
  const RESTARTING = "The mirror is restarting; still waiting for the video…";
  let following = null;  // the id of the comparison being waited for now
  let said = "";         // the words last put on the page's notice by the wait (the dialog being closed)

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // When each look on the console's list was recorded (console-looks.js says, "console:looks"): the
  // mirror's reason for a failed video names a look by its id, or its file's path; an associate knows it by its time.
  const recorded = new Map();
  document.addEventListener("console:looks", (event) => {
    for (const look of event.detail.looks) recorded.set(look.id, look.created);
  });

  // The mirror's reason, with every look it names (by id, or by a path to one of its files) said as
  // "the look recorded at 14:02"; a look no longer listed is "a look"; the comparison's own file
  // (its video, or the hidden one it is written to: a full disk) is "the comparison video". Never an
  // id, nor the name of a programming error (kiosk/compare/jobs.py), on the page.
  function plainReason(error, comparisonId) {
    if (/^rendering failed \(\w+\)$/.test(error)) return "the mirror ran into a problem; try again, and tell IT if it happens again";
    const named = (id) => {
      if (id === comparisonId) return "the comparison video";
      return recorded.has(id) ? `the look recorded at ${window.consolePage.clock(recorded.get(id))}` : "a look";
    };
    return error.replace(/(?:\S*\/\.?)?([A-Za-z0-9_][A-Za-z0-9_-]{20,})(?:\.[\w.]+)?/g, (_, id) => named(id));
  }

  // The comparison waited for, unless asked for more than KEPT_MS ago: the mirror no longer renders it either.
  function waitingFor() {
    let wanted = null;
    try { wanted = JSON.parse(sessionStorage.getItem(WAITING)); } catch (_) { /* not ours */ }
    if (wanted && Date.now() - wanted.asked > KEPT_MS) { forget(); return null; }
    return wanted;
  }

  function forget() {
    sessionStorage.removeItem(WAITING);
    $("sign-in-waiting").hidden = true;
  }

  // Where the wait speaks: under the panes while the comparison is open, else on the page's notice
  // (each sentence once: the notice is read out as an alert).
  function say(text) {
    if ($("compare-dialog").open) { $("compare-status").textContent = text; return; }
    if (text === said && !$("notice").hidden) return;
    said = text;
    window.consolePage.notify(text);
  }

  // The wait's words off the page, and only the wait's: someone else's notice stays.
  function hush() {
    $("compare-status").textContent = "";
    if (!$("notice").hidden && $("notice-text").textContent === said) window.consolePage.notify("");
    said = "";
  }

  // The sign-in screen says that signing in again brings the code.
  function askToSignIn() {
    $("sign-in-waiting").textContent = "The comparison video you asked for is still being made: sign in again to see its code.";
    $("sign-in-waiting").hidden = false;
  }

  // Why no code comes, in one sentence (``err`` from a request of the wait).
  function whyNot(err) {
    if (err.sentence) return err.sentence;
    // 404 / 403: the comparison (or a look) went while it was made: withdrawn consent deletes it too
    if (err.status === 404 || err.status === 403) return "The video was not made: a look in it is no longer shared (withdrawn or deleted).";
    return window.consolePage.failed("share", err);
  }

  // A request the mirror may answer once it is back: none at all, or a server error while it starts.
  function passing(err) {
    return err.offline || (err.status >= 500 && err.status !== 503);
  }

  // One look at the comparison: its share link once it is ready, else null (still queued or rendering).
  async function look(id) {
    const c = await (await api(`/api/v1/comparisons/${encodeURIComponent(id)}`)).json();
    if (c.state === "failed") {
      throw Object.assign(new Error(c.error || c.state),
        { sentence: c.error ? `The video could not be made: ${plainReason(c.error, id)}.` : "The video could not be made." });
    }
    if (c.state !== "ready") return null;
    if (waitingFor()?.id !== id) return null;  // signed out (or another asked for) meanwhile: no link made for nobody
    return (await api(`/api/v1/comparisons/${encodeURIComponent(id)}/share`, { method: "POST" })).json();
  }

  async function follow(id) {
    if (following === id) return;  // already waited for (a sign-in during a pause between tries)
    following = id;
    let quietSince = null, tries = 0;
    try {
      for (;;) {
        const wanted = waitingFor();
        if (!wanted || wanted.id !== id) return;  // signed out on purpose, or another one asked for
        let s;
        try {
          s = await look(id);
        } catch (err) {
          if (err.signedOut) {  // the mirror forgot the sign-in (a restart): go on once signed in again
            if (waitingFor()) askToSignIn();
            return;
          }
          if (!passing(err)) throw err;
          quietSince = quietSince ?? Date.now();
          if (Date.now() - quietSince > OUTAGE_MS) {
            const minutes = Math.round(OUTAGE_MS / 60000);
            throw Object.assign(new Error("no answer"), { sentence: `The mirror has not answered for ${minutes} minutes, so the`
              + " video's code cannot be shown. Check that the mirror is on; once it is back, press Share as one video again." });
          }
          say(RESTARTING);
          await sleep(BACKOFF_MS[Math.min(tries++, BACKOFF_MS.length - 1)]);
          continue;
        }
        quietSince = null;
        tries = 0;
        if (waitingFor()?.id !== id) return;  // signed out while it was asked: show nothing to no one
        if (s) {
          forget();
          hush();
          $("compare-dialog").close();
          window.consolePage.showShare(s);
          return;
        }
        say($("compare-dialog").open ? MAKING : "The comparison video you asked for is still being made; its code will show here.");
        await sleep(1000);
      }
    } catch (err) {
      forget();
      say(whyNot(err));
    } finally {
      if (following === id) following = null;
    }
  }

  // The wait for a comparison asked for before a reload or a new sign-in, while the mirror may still render it.
  function resume() {
    const wanted = waitingFor();
    $("sign-in-waiting").hidden = true;
    if (wanted) follow(wanted.id);
  }

  // "Share as one video" of these looks (2–4 ids, in pane order): ask, wait, show the code.
  async function share(lookIds) {
    try {
      say(MAKING);
      const c = await (await api("/api/v1/comparisons", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ look_ids: lookIds }),
      })).json();
      sessionStorage.setItem(WAITING, JSON.stringify({ id: c.id, asked: Date.now() }));
      await follow(c.id);
    } catch (err) {
      if (!err.signedOut) say(whyNot(err));
    }
  }

  document.addEventListener("console:signed-in", resume);
  document.addEventListener("console:signing-out", forget);
  // signed in before this script ran (a reload of the page), or not signed in with a wait still kept
  if (sessionStorage.getItem(KEY)) resume(); else if (waitingFor()) askToSignIn();
  return { share };
})();
