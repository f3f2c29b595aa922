// Associate console: notes and products on a look. A product also shows on the customer's share
// page, a note stays with the staff. textContent only: whatever an associate typed is never
// markup. Plain JS, no build step; loaded after console-page.js and console-delete.js, before
// console-looks.js.
"use strict";
window.consoleNotes = (() => {
  const { LOST, api, el, showDialog, signInsEnded } = window.consoleApi;
  const { $, bidi, notify, failed, changed } = window.consolePage;
  const { question } = window.consoleDelete;
  let noteLook = null;
  const EMPTY = "Type a product or a note first.";

  // Whether a look's notes need a row of their own beside its poster (console.css: .look.noted): more
  // than one, or one longer than a few lines of a tile. One short note ("Wants it in navy, 38") fits
  // under the poster, and its look keeps the width of the looks around it.
  const SHORT_NOTE = 40;  // characters, product and note together

  function long(look) {
    const notes = look.notes || [];
    return notes.length > 1 || notes.some((n) => (n.product || "").length + (n.text || "").length > SHORT_NOTE);
  }

  // Whether the mirror answers (console-api.js's "console:connection"): while it does not, a note's Delete is
  // greyed, as a look's is (console-looks.js): pressed, the question came up and the answer could only be
  // "Could not delete the note...". Its name says why; its word stays "Delete" (a note's line has no room).
  let online = true;
  const LATER = " once the connection is back";

  function drawNoteDelete(button) {
    button.disabled = !online;
    button.setAttribute("aria-label", button.dataset.label + (online ? "" : LATER));
    button.title = online ? "" : `Delete${LATER}`;
    return button;
  }

  document.addEventListener("console:connection", (event) => {
    if (event.detail === online) return;
    online = event.detail;
    for (const button of document.querySelectorAll("#looks button.note-delete")) drawNoteDelete(button);
  });

  // A look's notes, each with its delete button, for its tile on the looks list.
  function render(look) {
    // "Delete", as a look's is (a bare cross did not say what it does), naming the note for a screen reader; first,
    // as the words flow round it (console.css)
    return el("ul", { class: "notes" }, ...(look.notes || []).map((n) => el("li", { "data-note": n.id },
      drawNoteDelete(el("button", { type: "button", class: "note-delete", textContent: "Delete",
                                    "data-label": `Delete note: ${firstWords(n)}`, "data-key": `note-delete:${n.id}`,
                                    onclick: () => deleteNote(look, n) })),
      el("span", { class: "words" },
        ...(n.product ? [el("span", { class: "product" }, "Product: ", bidi(n.product))] : []),
        ...(n.product && n.text ? [el("br")] : []),
        ...(n.text ? [el("span", { class: "text", dir: "auto", textContent: n.text })] : [])))));
  }

  // A note's first words, as its tile shows them first (its product, else its text), to name it by:
  // "Linen shirt, navy, M...", cut at a word once longer than NAMED characters.
  const NAMED = 30;

  function firstWords(note) {
    const words = (note.product || note.text || "").replace(/\s+/g, " ").trim();
    if (words.length <= NAMED) return words;
    const cut = words.lastIndexOf(" ", NAMED);
    return `${words.slice(0, cut > NAMED / 2 ? cut : NAMED).replace(/[\s,.;:]+$/, "")}...`;
  }

  function open(look) {
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
      $("note-error").textContent = EMPTY;
      return;
    }
    $("note-save").disabled = true;
    // A save answered after its sign-in ended does nothing: the next associate's note dialog, if one is open,
    // stays as it is (as a deletion leaves the next associate's question, console-delete.js).
    const mine = signInsEnded();
    try {
      await api(`/api/v1/looks/${encodeURIComponent(noteLook.id)}/notes`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ product, text }),
      });
      if (mine !== signInsEnded()) return;
      $("note-dialog").close();
      changed();
    } catch (err) {
      if (mine !== signInsEnded()) return;
      // what was typed stays in the dialog, to save again
      $("note-error").textContent = err.offline ? `Could not save: ${LOST}. Your text is kept: save again once it is back.`
        : `Could not save: ${err.message}`;
      $("note-save").disabled = false;
    }
  });

  // "Type a product or a note first." goes once something is typed: it no longer says what is wrong.
  $("note-form").addEventListener("input", () => {
    if ($("note-error").textContent === EMPTY) $("note-error").textContent = "";
  });

  $("note-cancel").addEventListener("click", () => $("note-dialog").close());

  // The sign-in ended: what was being typed about a shopper's look goes with it, not to the next associate.
  document.addEventListener("console:sign-in-ended", () => {
    noteLook = null;
    $("note-product").value = "";
    $("note-text").value = "";
    $("note-error").textContent = "";
  });

  // Asked first in the console's own dialog, as a look's delete is (Cancel focused), naming the note by its first words.
  function deleteNote(look, note) {
    question(`Delete the note "${firstWords(note)}" for good?`, note.product ? "Its product no longer shows on the customer's link." : "",
             "Delete the note", () => eraseNote(look, note), (err) => {
               if (err && err.signedOut) return;  // the sign-in screen says why
               if (err) notify(failed("delete the note", err));
               changed();
             });
  }

  // The mirror's refusal, or null once the note is gone.
  async function eraseNote(look, note) {
    try {
      await api(`/api/v1/looks/${encodeURIComponent(look.id)}/notes/${encodeURIComponent(note.id)}`, { method: "DELETE" });
      return null;
    } catch (err) {
      return err;
    }
  }

  return { render, open, long };
})();
