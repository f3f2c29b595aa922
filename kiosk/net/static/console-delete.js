// Associate console: deleting looks for good, one or a whole visit's, at the shopper's request (a
// shopper who tapped no card has no other way to be forgotten). The console's own dialog asks
// first, naming what goes; the mirror ends the looks' share links. Plain JS, no build step; loaded
// after console-page.js, before console-looks.js.
"use strict";
window.consoleDelete = (() => {
  const { api, showDialog } = window.consoleApi;
  const { $, notify, failed, changed } = window.consolePage;
  let asked = null;  // { looks, what, done } while the dialog asks

  // Ask whether to delete ``looks``; ``what`` names them in the question: "the look recorded at
  // 2:05 PM", "the 3 looks of this visit". ``done`` says it in the notice once they are gone.
  function ask(looks, what, done) {
    asked = { looks, what, done };
    const one = looks.length === 1;
    $("delete-title").textContent = `Delete ${what} for good?`;
    $("delete-about").textContent = one ? "Its share links stop working." : "Their share links stop working.";
    $("delete-yes").textContent = one ? "Delete the look" : `Delete ${looks.length} looks`;
    $("delete-yes").disabled = false;
    showDialog($("delete-dialog"));
    $("delete-cancel").focus();  // the safe answer first: a stray Enter keeps the looks
  }

  // One after the other; a look already gone (deleted meanwhile on another tablet) counts as deleted.
  async function erase(looks) {
    let deleted = 0;
    for (const look of looks) {
      try {
        await api(`/api/v1/looks/${encodeURIComponent(look.id)}`, { method: "DELETE" });
      } catch (err) {
        if (err.status !== 404) return { deleted, err };
      }
      deleted += 1;
      drop(look.id);
    }
    return { deleted, err: null };
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
    const { looks, what, done } = asked;
    $("delete-yes").disabled = true;
    $("delete-yes").textContent = "Deleting…";
    const { deleted, err } = await erase(looks);
    asked = null;
    $("delete-dialog").close();
    if (!err) notify(done);
    else if (err.signedOut) return;  // the sign-in screen says why
    else if (!deleted) notify(failed(`delete ${what}`, err));
    else notify(`Deleted ${deleted} of the ${looks.length} looks. ${failed("delete the others", err)}`);
    changed();
  });

  $("delete-cancel").addEventListener("click", () => $("delete-dialog").close());
  $("delete-dialog").addEventListener("close", () => { if (!$("delete-yes").disabled) asked = null; });

  return { ask };
})();
