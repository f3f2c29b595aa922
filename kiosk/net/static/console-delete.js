// Associate console: the question before anything is deleted for good, in the console's own dialog
// (Cancel focused, Escape keeps it; never the browser's confirm box), and deleting looks, one or a
// whole visit's, at the shopper's request (a shopper who tapped no card has no other way to be
// forgotten): the question names what goes, and the mirror ends the looks' share links. A note's
// delete asks the same question (console-notes.js). Plain JS, no build step; loaded after
// console-page.js, before console-notes.js and console-looks.js.
"use strict";
window.consoleDelete = (() => {
  const { KEY, api, showDialog, signInsEnded } = window.consoleApi;
  const { $, notify, failed, changed } = window.consolePage;
  let asked = null;  // { work, after } while the dialog asks
  // The looks deleted from here: a list the mirror sent before a deletion went through, drawn after it
  // (a refresh asked for by the event of a visit's first deleted look, answered once all were gone),
  // would bring them back on the page, under "Deleted the 3 looks of this visit.", until the next one.
  const gone = new Set();

  // Ask "``title``" (``about`` under it, "" for nothing); the Delete button says ``yes``. Once
  // pressed it says "Deleting…" while ``work`` (async) runs; the dialog then closes and ``after``
  // gets what ``work`` returned, to say what happened in the page's notice.
  function question(title, about, yes, work, after) {
    asked = { work, after };
    $("delete-title").textContent = title;
    $("delete-about").textContent = about;
    $("delete-about").hidden = !about;
    $("delete-yes").textContent = yes;
    $("delete-yes").disabled = false;
    showDialog($("delete-dialog"));
    $("delete-cancel").focus();  // the safe answer first: a stray Enter keeps it
  }

  // Ask whether to delete ``looks``: one look, or every look of a visit (``visit``: its session id; the
  // console lists a visit whole). ``what`` names them in the question: "the look recorded at 2:05 PM",
  // "the 3 looks of this visit". ``done(n)`` says it in the notice once the mirror deleted ``n`` looks.
  function ask(looks, what, done, visit = null) {
    const one = looks.length === 1;
    // The sign-in that was asked: its token sends the request, and none is sent once it ended, so that
    // the next associate's sign-in neither deletes what it did not ask for nor is logged for it.
    const asker = { ended: signInsEnded(), token: sessionStorage.getItem(KEY) };
    const path = visit ? `/api/v1/visits/${encodeURIComponent(visit)}/looks` : `/api/v1/looks/${encodeURIComponent(looks[0].id)}`;
    question(`Delete ${what} for good?`, one ? "Its share links stop working." : "Their share links stop working.",
             one ? "Delete the look" : `Delete ${looks.length} looks`, () => erase(path, looks, asker),
             ({ deleted, err }) => told(what, done, deleted, err));
  }

  function told(what, done, deleted, err) {
    if (!err) notify(done(deleted), true);  // it worked: the notice says so in green, not as a failure
    else if (err.signedOut) return;  // the sign-in screen says why
    else notify(failed(`delete ${what}`, err));
    changed();
  }

  // One request, a visit's looks all at once: the mirror deletes every kept look of the visit (one recorded
  // since the list was drawn too) whatever the tablet does meanwhile, and says which. Looks already gone
  // (deleted meanwhile on another tablet) count as deleted.
  async function erase(path, looks, asker) {
    if (asker.ended !== signInsEnded()) return { deleted: 0, err: { signedOut: true } };
    let ids = looks.map((look) => look.id);
    try {
      const resp = await api(path, { method: "DELETE", token: asker.token });
      if (resp.status === 200) ids = (await resp.json()).deleted;
    } catch (err) {
      if (err.status !== 404) return { deleted: 0, err };
    }
    for (const id of ids) {
      gone.add(id);
      drop(id);
    }
    return { deleted: ids.length, err: null };
  }

  // Off the page at once (the next refresh would take it off too): its tile, and its visit once empty.
  function drop(id) {
    const item = [...document.querySelectorAll("#looks li.look[data-id]")].find((li) => li.dataset.id === id);
    if (!item) return;
    const visit = item.closest("li.visit");
    item.remove();
    if (visit && !visit.querySelector("li.look")) visit.remove();
    $("looks-empty").hidden = !!document.querySelector("#looks li.look");
  }

  $("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!asked || $("delete-yes").disabled) return;
    const { work, after } = asked;
    const mine = signInsEnded();  // a deletion that ends after its sign-in did says nothing, closes nothing
    $("delete-yes").disabled = true;
    $("delete-yes").textContent = "Deleting…";
    const result = await work();
    // The sign-in ended meanwhile (the dialog went with it): the next associate's question, if one is
    // open, stays, and nothing of this deletion shows on the sign-in screen or after the next sign-in.
    if (mine !== signInsEnded()) return;
    asked = null;
    $("delete-dialog").close();
    after(result);
  });

  // Whether look ``id`` was deleted from here (console-looks.js leaves it off every list drawn after).
  const deleted = (id) => gone.has(id);
  document.addEventListener("console:sign-in-ended", () => gone.clear());

  $("delete-cancel").addEventListener("click", () => $("delete-dialog").close());
  $("delete-dialog").addEventListener("close", () => { if (!$("delete-yes").disabled) asked = null; });

  return { ask, question, deleted };
})();
