// Associate console: the consented looks of this mirror by visit, each to play, note, share to its
// customer by QR code and delete (a visit's looks at once too). Plain JS, no build step; loaded
// after console-notes.js and console-delete.js.
"use strict";
window.consoleLooks = (() => {
  const { api, el, keepingFocus, showDialog, signInsEnded } = window.consoleApi;
  const { $, ago, lookNames, dotted, room, notify, failed, showShare } = window.consolePage;
  const notes = window.consoleNotes, erase = window.consoleDelete;
  // A visit is listed, whole, while its latest look is this young: the visits an associate's PIN may delete
  // (kiosk/net/api_delete.py CONSOLE_WINDOW_S); cut look by look, an older look of a listed visit was left off
  // it, and kept when its visit was deleted.
  const LOOK_WINDOW_S = 4 * 3600;
  const posterUrls = new Map();
  // The looks whose share link the mirror is making (their request under way): their Share button is
  // greyed, saying so, through every redraw of the list, so that a double tap or a slow mirror makes one
  // link, not two (each is also told to the live clients and the store's webhook). It is back once the
  // mirror answers or the request is given up, as the Sign in button is (console.js).
  const sharing = new Set();
  // Whether the mirror answers (console-api.js's "console:connection"): while it does not, every Share is greyed
  // too, saying why, as "Share as one video" is (compare-share.js): the mirror could not make the link.
  let online = true;
  const OFFLINE = "Share works again once the connection is back";
  const shareOff = (id) => sharing.has(id) || !online;
  const shareWords = (id) => (sharing.has(id) ? "Making the link…" : online ? "Share to customer" : OFFLINE);
  // A look's Delete and a visit's "Delete this visit's looks" are greyed then too, saying so in their words (as
  // "Compare 2 looks once the connection is back" does, compare.js): pressed, the question came up and the answer
  // could only be "Could not delete…". Each button's words while the mirror answers: [text, aria-label].
  const deleteWords = new WeakMap();

  function deleteButton(key, text, label, onclick) {
    const button = el("button", { type: "button", class: "delete", "data-key": key, onclick });
    deleteWords.set(button, [text, label]);
    return drawDelete(button);
  }

  function drawDelete(button) {
    const [text, label] = deleteWords.get(button);
    const later = online ? "" : " once the connection is back";
    button.disabled = !online;
    button.textContent = text + later;
    button.setAttribute("aria-label", label + later);
    return button;
  }

  async function poster(look) {
    if (posterUrls.has(look.id)) return posterUrls.get(look.id);
    const blob = await (await api(look.poster_url)).blob();
    if (posterUrls.has(look.id)) return posterUrls.get(look.id);  // an earlier draw's fetch came first
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

  // ``names``: what each look is called (lookNames); a visit is called by its first look's.
  function visitHeading(group, where, names) {
    const first = group.looks.reduce((a, b) => (b.created < a.created ? b : a));
    const n = group.looks.length;
    return dotted(el("span", {}, `${group.visit ? "Visit" : "Look"} at ${names.get(first.id)}`, ...(where ? [", ", ...room(where)] : [])),
      group.looks.some((l) => l.customer_id) && "loyalty card",
      group.visit && (n === 1 ? "1 look" : `${n} looks`));
  }

  // The looks list, fetched anew; ``where`` is this mirror's room, for the visits' headings.
  async function render(where) {
    const mine = signInsEnded();  // a list asked for during a sign-in that ended is not drawn
    const data = await (await api("/api/v1/looks")).json();
    if (mine !== signInsEnded()) return;
    // a look deleted from here since the mirror sent the list stays off it (console-delete.js)
    const granted = data.looks.filter((l) => l.consent === "granted" && !erase.deleted(l.id));
    const since = Date.now() / 1000 - LOOK_WINDOW_S;
    const listed = visits(granted).filter((g) => Math.max(...g.looks.map((l) => l.created)) >= since);
    const looks = listed.flatMap((g) => g.looks);
    // a look no longer listed lets its poster go (deleted here or elsewhere, withdrawn, grown old)
    const ids = new Set(looks.map((l) => l.id));
    for (const [id, url] of posterUrls) {
      if (!ids.has(id)) {
        URL.revokeObjectURL(url);
        posterUrls.delete(id);
      }
    }
    // Still shared, listed or not: a look that grows older than the list's window while it plays
    // (or is compared) stays on the associate's screen; only a withdrawn or deleted one goes.
    const shared = new Set(granted.map((l) => l.id));
    $("looks-empty").hidden = looks.length > 0;
    const names = lookNames(looks);
    const item = (look) => {
      // No alt text until the poster is there: a look whose poster cannot be had keeps its grey
      // tile, not a broken-picture icon.
      // The poster is the button that plays the look (the image itself says nothing more).
      const img = el("img", { alt: "", loading: "lazy" });
      poster(look).then((u) => { img.src = u; }).catch(() => {});
      const label = `Play the look recorded at ${names.get(look.id)}`;
      // a look with long notes takes a row of its own, its notes beside the poster (console.css: .look.noted)
      return el("li", { class: notes.long(look) ? "look noted" : "look", "data-id": look.id },
        el("button", { type: "button", class: "play", "data-key": "play", "aria-label": label, title: label,
                       onclick: () => play(look, names.get(look.id)) },
          img, el("span", { class: "play-mark", "aria-hidden": "true", textContent: "▶ Play" })),
        // its name, as the compare panes and a failed comparison video's reason say it
        el("span", { class: "hint" }, ...dotted(el("span", { class: "when", textContent: names.get(look.id) }), ago(look.created))),
        notes.render(look),
        el("button", { class: "share", "data-key": "share", textContent: shareWords(look.id), disabled: shareOff(look.id),
                       onclick: () => share(look) }),
        el("button", { class: "add-note", "data-key": "note", textContent: "Add note or product", onclick: () => notes.open(look) }),
        deleteButton("delete", "Delete", `Delete the look recorded at ${names.get(look.id)}`,
                     () => erase.ask([look], `the look recorded at ${names.get(look.id)}`,
                                     () => `Deleted the look recorded at ${names.get(look.id)}.`)),
      );
    };
    // A visit's looks deleted at once: what a shopper who tapped no card asks for. Its item is known
    // by its first look's id (never the session's), so that focus outlives a re-render.
    const visitItem = (group) => {
      const n = group.looks.length;
      const first = group.looks.reduce((a, b) => (b.created < a.created ? b : a));
      const what = n === 1 ? "the look of this visit" : `the ${n} looks of this visit`;
      // said with the count the mirror deleted: one recorded since the list was drawn goes too
      const done = (m) => (m === 1 ? "Deleted the look of this visit." : `Deleted the ${m} looks of this visit.`);
      const head = el("div", { class: "visit-head" }, el("h3", {}, ...visitHeading(group, where, names)));
      if (group.visit) {
        head.append(deleteButton("delete-visit", "Delete this visit's looks",
                                 `Delete this visit's looks, the visit at ${names.get(first.id)}`,
                                 () => erase.ask(group.looks, what, done, group.looks[0].session_id)));
      }
      return el("li", { class: "visit", "data-id": `visit:${first.id}` }, head, el("ul", { class: "looks" }, ...group.looks.map(item)));
    };
    const items = listed.map(visitItem);
    // A look no longer listed (consent withdrawn, forgotten, deleted) stops playing: its video is
    // already in the page, so only this takes it off the associate's screen (compare.js does the same).
    if (shown && !shared.has(shown)) {
      dropVideo();
      $("video-status").textContent = "This look is no longer shared: the shopper withdrew it, or it was deleted.";
    }
    keepingFocus(() => {
      $("looks").replaceChildren(...items);
      document.dispatchEvent(new CustomEvent("console:looks", { detail: { looks, shared, names } }));  // compare.js adds its boxes
    });
  }

  // One look's video, fetched with the session's token like the posters (a plain <video src>
  // could not send it) and played from a blob URL, dropped again when the dialog closes or the
  // look leaves the list.
  let playing = 0;
  let shown = null;  // the id of the look in the dialog

  async function play(look, name) {
    const video = $("video-player");
    const mine = ++playing;
    shown = look.id;
    $("video-title").textContent = `Look recorded at ${name}`;
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

  function dropVideo() {
    const video = $("video-player");
    playing += 1;  // a fetch still under way is dropped too
    shown = null;
    video.pause();
    if (video.src) URL.revokeObjectURL(video.src);
    video.removeAttribute("src");
    video.load();
  }

  $("video-dialog").addEventListener("close", dropVideo);

  // Look ``id``'s Share button on the list as ``sharing`` and the connection say, now (the list is drawn anew
  // every few seconds).
  function drawShare(id) {
    const item = [...document.querySelectorAll("#looks li.look")].find((li) => li.dataset.id === id);
    const button = item && item.querySelector("button.share");
    if (!button) return null;
    button.disabled = shareOff(id);
    button.textContent = shareWords(id);
    return button;
  }

  document.addEventListener("console:connection", (event) => {
    if (event.detail === online) return;
    online = event.detail;
    for (const item of document.querySelectorAll("#looks li.look")) drawShare(item.dataset.id);
    for (const button of document.querySelectorAll("#looks button.delete")) if (deleteWords.has(button)) drawDelete(button);
  });

  // The sign-in ended: the list, its posters and the look playing leave the page (the next associate's
  // sign-in fetches them anew), so that nothing of it shows before the next sign-in's first refresh.
  document.addEventListener("console:sign-in-ended", () => {
    dropVideo();
    $("video-title").textContent = "The look";
    $("video-status").textContent = "";
    $("looks").replaceChildren();
    $("looks-empty").hidden = true;
    for (const url of posterUrls.values()) URL.revokeObjectURL(url);
    posterUrls.clear();
  });

  async function share(look) {
    if (sharing.has(look.id)) return;  // the one under way answers first
    const mine = signInsEnded();  // an answer that comes after this sign-in ended shows nothing (a shopper's code)
    sharing.add(look.id);
    drawShare(look.id);
    let s = null;
    try {
      s = await (await api(`/api/v1/looks/${encodeURIComponent(look.id)}/share`, { method: "POST" })).json();
    } catch (err) {
      // the sign-in ended (a restart): the sign-in screen says so in its own words, as compare's share leaves it
      if (!err.signedOut && mine === signInsEnded()) notify(failed("share", err));
    } finally {
      sharing.delete(look.id);
      const button = drawShare(look.id);
      // greyed, it lost the keyboard's focus: it takes it back, so that the code's dialog returns there
      const lost = !document.activeElement || document.activeElement === document.body;
      if (button && lost && !document.querySelector("dialog[open]")) button.focus({ preventScroll: true });
    }
    if (s && mine === signInsEnded()) showShare(s);
  }

  return { render };
})();
