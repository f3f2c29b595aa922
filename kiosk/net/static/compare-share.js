// Associate console: "Share as one video" of a side-by-side comparison (compare.js asks): the mirror
// renders it in the background, this waits for it and shows its share code. Plain JS, no build step;
// loaded after console.js, before compare.js.
//
// The wait outlives a restart of the mirror (about a minute; what was left queued is rendered after
// it, kiosk/compare/jobs.py): a request that gets no answer is tried again, less and less often, for
// OUTAGE_MS. The restart ends the sign-in (the mirror keeps sign-ins in memory), so the wait pauses
// until the associate signs in again ("console:signed-in") and then goes on; which comparison it
// waits for is kept in the tab's sessionStorage, so a reload of the page picks it up too.
//
// The code takes the place of the comparison it was asked from (its dialog closes). If the associate
// has meanwhile opened another comparison in that dialog, that one stays: the wait speaks on the
// page's notice, not under its panes, and a code ready meanwhile waits until it is closed (shown over
// it, a customer could scan the wrong video, as on the mirror: docs/SECURITY.md), then shows saying
// which looks it is the video of.
//
// One wait at a time (another would end this one, and its code would never show): "Share as one
// video" is greyed while there is one, and says why where the associate looks. Under the panes of
// the comparison waited for, the wait's own words already do ("The mirror is putting the looks into
// one video…"); over another comparison, or after a reload, the line under the button does. It is
// greyed too while the connection to the mirror is lost (console-api.js's "console:connection"), the
// line under it saying so, like the compare button (compare.js): the mirror could not be asked. And
// while the comparison's looks load, or after they could not be loaded (compare.js says which), the
// line under it saying so: there are no looks to ask a video of.
"use strict";
window.compareShare = (() => {
  const $ = (id) => document.getElementById(id);
  const { KEY, api } = window.consoleApi;

  const WAITING = "smartmirror.console.comparison";  // {id, asked, looks}: the comparison whose code this tab waits for
  // How long a mirror that does not answer is waited for, on the page's clock (Date.now): its test moves that
  // clock on instead of waiting (test_console_compare_restart.py), so there is no setting to shorten it by.
  const OUTAGE_MS = 3 * 60 * 1000;
  const KEPT_MS = 60 * 60 * 1000;    // the mirror renders one left queued only if asked for within the hour
  const BACKOFF_MS = [1000, 2000, 4000, 8000];
  const MAKING = "The mirror is putting the looks into one video…";
  const RESTARTING = "The mirror is restarting; still waiting for the video…";
  const STILL_MAKING = "The comparison video you asked for is still being made; its code will show here.";
  const READY_BEHIND = "The comparison video you asked for earlier is ready: close this comparison to see its code.";
  const ONE_AT_A_TIME = "Share as one video works again once the code of the video you asked for earlier has shown.";
  const OFFLINE = "Share as one video works again once the connection is back.";
  let following = null;  // the id of the comparison being waited for now
  let said = "";         // the words last put on the page's notice by the wait (the dialog being closed)
  let asked = null;      // {id, opening}: which opening of the compare dialog (compare.js's data-opening) a comparison was asked from
  let asking = null;     // the opening a comparison is being asked from (its request under way), else null
  let spoken = MAKING;   // the wait's words for the panes of its comparison, as it is now (said there or not)
  let online = true;     // whether the mirror answers (console-api.js's "console:connection")
  let unready = "";      // why the comparison open cannot be shared yet (its looks loading, or not loaded: compare.js says), else ""

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // What each look on the console's list is called, its time (console-looks.js says, "console:looks"): the
  // mirror's reason for a failed video names a look by its id, or its file's path; an associate knows it by
  // its time, as the list and the compare panes say it ("14:02", or "14:02:37" beside another of that minute).
  const called = new Map();
  document.addEventListener("console:looks", (event) => {
    for (const [id, name] of event.detail.names) called.set(id, name);
  });

  // The mirror's reason, with every look it names (by id, or by a path to one of its files) said as
  // "the look recorded at 14:02"; a look no longer listed is "a look"; the comparison's own file
  // (its video, or the hidden one it is written to: a full disk) is "the comparison video". Never an
  // id, nor the name of a programming error (kiosk/compare/jobs.py), on the page.
  function plainReason(error, comparisonId) {
    if (/^rendering failed \(\w+\)$/.test(error)) return "the mirror ran into a problem; try again, and tell IT if it happens again";
    const named = (id) => {
      if (id === comparisonId) return "the comparison video";
      return called.has(id) ? `the look recorded at ${called.get(id)}` : "a look";
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

  // Whether the compare dialog shows comparison ``id`` of these looks: still the opening it was asked
  // from (a look may have left it since), or the same looks opened again; not another comparison.
  function showsAsked(id, looks) {
    const dialog = $("compare-dialog");
    if (!dialog.open) return false;
    if (asked?.id === id && dialog.dataset.opening === asked.opening) return true;
    const shown = [...document.querySelectorAll("#compare-panes figure[data-id]")].map((f) => f.dataset.id);
    return Array.isArray(looks) && shown.length === looks.length && looks.every((l) => shown.includes(l));
  }

  // Where the wait speaks: under the panes while they show its comparison (``underPanes``), else on the
  // page's notice (each sentence once: the notice is read out as an alert), as ``elsewhere`` where its
  // words there differ. Its words for its panes are kept either way: opened again, they say the wait as
  // it is now, never a line from before it went on on the notice.
  function say(text, underPanes, elsewhere = text) {
    spoken = text;
    if (underPanes) { $("compare-status").textContent = text; return; }
    if (elsewhere === said && !$("notice").hidden) return;
    said = elsewhere;
    window.consolePage.notify(elsewhere);
  }

  // The wait's words off the page, and only the wait's: someone else's notice, another comparison's status stay.
  function hush(underPanes) {
    if (underPanes) $("compare-status").textContent = "";
    if (!$("notice").hidden && $("notice-text").textContent === said) window.consolePage.notify("");
    said = "";
  }

  // Whether the compare dialog shows the comparison waited for (or being asked for).
  function showsWaited() {
    const dialog = $("compare-dialog");
    if (asking !== null) return dialog.open && dialog.dataset.opening === asking;
    return following !== null && showsAsked(following, waitingFor()?.looks);
  }

  // "Share as one video" greyed while a code is waited for, never without saying why near it: the
  // wait's words under the panes of its comparison, else the line under the button. Greyed too while
  // the mirror does not answer (a wait under way says so itself), and while the comparison has no looks
  // to share (loading, or not loaded), the line under the button saying why.
  function gate() {
    const busy = asking !== null || following !== null;
    const why = $("compare-share-why");
    $("compare-share").disabled = busy || !online || unready !== "";
    why.textContent = busy ? (showsWaited() ? "" : ONE_AT_A_TIME) : !online ? OFFLINE : unready;
    why.hidden = !why.textContent;
  }

  // compare.js opened a comparison: ``notYet``, while its looks load or once they could not be, says why
  // it cannot be shared; "" once its panes show. The same looks as the one waited for hear the wait's words again.
  function opened(notYet = "") {
    unready = notYet;
    gate();
    if (!unready && (asking !== null || following !== null) && showsWaited()) $("compare-status").textContent = spoken;
  }

  // The sign-in screen says that signing in again brings the code.
  function askToSignIn() {
    $("sign-in-waiting").textContent = "The comparison video you asked for is still being made: sign in again to see its code.";
    $("sign-in-waiting").hidden = false;
  }

  // A code ready while the dialog shows another comparison (not ``here()``) waits until that one is closed.
  async function notOverAnother(here) {
    const dialog = $("compare-dialog");
    if (!dialog.open || here()) return;
    hush(false);  // no longer "still being made"
    $("compare-status").textContent = READY_BEHIND;
    gate();
    await new Promise((closed) => dialog.addEventListener("close", closed, { once: true }));
  }

  // Which looks a code shown without its comparison on the screen is the video of: "The comparison you
  // asked for earlier: the looks recorded at 14:02 and 14:05.", each by its time, as the panes say it.
  function earlier(looks) {
    const times = (looks || []).map((id) => called.get(id) || "");
    if (!times.length || times.some((t) => !t)) return "The comparison you asked for earlier.";
    const listed = times.length > 1 ? `${times.slice(0, -1).join(", ")} and ${times.at(-1)}` : times[0];
    return `The comparison you asked for earlier: the looks recorded at ${listed}.`;
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
    gate();
    const looks = waitingFor()?.looks;
    const here = () => showsAsked(id, looks);
    let quietSince = null, tries = 0;
    try {
      for (;;) {
        const wanted = waitingFor();
        if (!wanted || wanted.id !== id) return;  // signed out on purpose, or another one asked for
        gate();  // a comparison opened or closed meanwhile
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
          say(RESTARTING, here());
          await sleep(BACKOFF_MS[Math.min(tries++, BACKOFF_MS.length - 1)]);
          continue;
        }
        quietSince = null;
        tries = 0;
        if (waitingFor()?.id !== id) return;  // signed out while it was asked: show nothing to no one
        if (s) {
          await notOverAnother(here);
          if (waitingFor()?.id !== id) return;  // signed out on purpose meanwhile
          if (!sessionStorage.getItem(KEY)) { askToSignIn(); return; }  // the sign-in ended (a restart): signing in again shows it
          const shown = here();
          forget();
          hush(shown);
          if (shown) $("compare-dialog").close();  // the code takes its comparison's place
          window.consolePage.showShare(s, shown ? "" : earlier(looks), "looks");
          return;
        }
        say(MAKING, here(), STILL_MAKING);
        await sleep(1000);
      }
    } catch (err) {
      forget();
      say(whyNot(err), here());
    } finally {
      if (following === id) following = null;
      gate();
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
    const dialog = $("compare-dialog"), opening = dialog.dataset.opening;  // pressed in it: it shows these looks
    const here = () => dialog.open && dialog.dataset.opening === opening;
    asking = opening;
    gate();
    try {
      say(MAKING, here());
      const c = await (await api("/api/v1/comparisons", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ look_ids: lookIds }),
      })).json();
      asked = { id: c.id, opening };
      sessionStorage.setItem(WAITING, JSON.stringify({ id: c.id, asked: Date.now(), looks: lookIds }));
      asking = null;
      await follow(c.id);
    } catch (err) {
      if (!err.signedOut) say(whyNot(err), here());
    } finally {
      asking = null;
      gate();
    }
  }

  document.addEventListener("console:connection", (event) => {
    if (event.detail !== online) { online = event.detail; gate(); }
  });
  document.addEventListener("console:signed-in", resume);
  document.addEventListener("console:signing-out", forget);
  // signed in before this script ran (a reload of the page), or not signed in with a wait still kept
  if (sessionStorage.getItem(KEY)) resume(); else if (waitingFor()) askToSignIn();
  return { share, opened };
})();
