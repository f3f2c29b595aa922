// Associate console: the mirrors of the store and the shoppers' help requests, from the
// overview console.js fetches. Plain JS, no build step; loaded after console-page.js.
"use strict";
window.consoleQueue = (() => {
  const { api, el, keepingFocus } = window.consoleApi;
  const { $, ago, clock, bidi, dotted, room, notify, failed, changed } = window.consolePage;
  const KIND = { size: "Another size, please", associate: "Please come" };
  const STATE = { idle: "free", session: "in use", recording: "recording a look" };
  let heardRequests = null;  // ids of the help requests shown so far; null before the first overview
  const tooLate = new Set();  // requests this tablet pressed "On my way" for after another associate had them
  let storeName = "Store";

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
    $("waiting").hidden = open.length === 0;
    // "2 waiting" on a phone's narrow header, " for help" left to screen readers there (.wide); one
    // <span> for all the words, so that the pill's flex layout keeps the space before "for"
    $("waiting").replaceChildren(el("span", {}, `${open.length} waiting`, el("span", { class: "wide", textContent: " for help" })));
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

  // Who answered, as the start of a sentence: a console answers as "associate" (it knows no names),
  // the mirror's staff card may give a name.
  function onTheWay(by) {
    return by === "associate" ? "An associate" : by || "Someone";
  }

  // Who had the request when this tablet's press came second: the other tablet also answers as
  // "associate", so it is another one.
  function alreadyOnTheWay(by) {
    return `${by === "associate" ? "Another associate" : by || "Someone"} is already on the way`;
  }

  function renderQueue(queue) {
    announceQueue(queue);
    $("queue-empty").hidden = queue.some((q) => q.open);
    keepingFocus(() => $("queue").replaceChildren(...queue.map((q) => {
      // a request of a mirror that does not answer now: as last heard, and it cannot be confirmed there
      const lost = q.reachable === false;
      const button = !q.open ? el("span", { class: "hint",
        textContent: tooLate.has(q.id) ? alreadyOnTheWay(q.acked_by) : `${onTheWay(q.acked_by)} is on the way` }) :
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

  // "On my way": the mirror answers whether this press took the request (first) or another
  // associate had it already, and who; an older mirror may not say (first missing: taken here).
  async function acknowledge(q, button) {
    button.disabled = true;
    try {
      const resp = await api(`/console/api/assist/${encodeURIComponent(q.mirror_id)}/${encodeURIComponent(q.id)}/ack`,
        { method: "POST" });
      const done = await resp.json();
      if (done.first === false) {
        tooLate.add(q.id);
        notify(`${alreadyOnTheWay(done.acked_by)} to ${q.room ? `Room ${q.room}` : q.mirror_name}: no need to go.`);
      }
    } catch (err) {
      button.disabled = false;
      notify(failed("confirm", err));
    }
    changed();
  }

  // One overview from /console/api/overview: the store's name (for the title), mirrors, requests.
  function render(overview) {
    storeName = overview.mirror.store || "Store";
    const listed = new Set(overview.queue.map((q) => q.id));
    [...tooLate].filter((id) => !listed.has(id)).forEach((id) => tooLate.delete(id));  // off the console: forgotten
    renderMirrors(overview.mirrors);
    renderQueue(overview.queue);
  }

  // Signed out: nothing of the session's requests stays in the header, the title or the read-out.
  function forget() {
    heardRequests = null;
    tooLate.clear();
    $("waiting").hidden = true;
    $("announce").textContent = "";
    document.title = "Smart Mirror · Associate console";
  }

  return { render, forget };
})();
