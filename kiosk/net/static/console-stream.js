// Associate console: the mirror's event stream, which says when to refresh ("console:changed"),
// and the live pill in the header. Server-sent events through fetch, so the token travels in a
// header and never in a URL. Plain JS, no build step; loaded after console-page.js.
"use strict";
window.consoleStream = (() => {
  const { api } = window.consoleApi;
  const { $, changed, notify } = window.consolePage;
  // Refused for too many live streams (429 from this address: other tabs or browsers; 503: the mirror's
  // room for all of them): the mirror's own words stay on the page, and it is asked again this much later.
  const BUSY_RETRY_MS = 15000;
  const TOO_MANY_TABS = "Live updates are paused: the console is open in too many tabs or browsers on this " +
    "tablet. Close the ones you do not use; this page picks up again by itself.";
  let streamAbort = null;
  let busySaid = "";  // the refusal on the page now ("" none): it goes once the stream is back
  // Each follow() runs one follower; one left from before a quick sign-out and sign-in ends
  // instead of running beside it (two streams, double refreshes).
  let followers = 0;

  function setLive(state) {
    $("live").classList.toggle("off", state !== "live");
    $("live").textContent = state;
  }

  // Follows the stream, reconnecting, for as long as ``signedIn()`` says so.
  async function follow(signedIn) {
    const mine = ++followers;
    const current = () => signedIn() && mine === followers;
    while (current()) {
      streamAbort = new AbortController();
      try {
        const resp = await api("/api/v1/events", { signal: streamAbort.signal });
        setLive("live");
        if (busySaid && $("notice-text").textContent === busySaid) notify("");
        busySaid = "";
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
            if (/^event: /m.test(frame)) changed();
          }
        }
      } catch (err) {
        if (!current()) return;
        if (err.status === 429 || err.status === 503) {
          // the mirror answers, it only has no room for this stream: not "offline", and said in its words
          setLive("paused");
          const words = err.status === 429 ? TOO_MANY_TABS : err.message;
          if (busySaid !== words) notify(words);
          busySaid = words;
          await new Promise((r) => setTimeout(r, BUSY_RETRY_MS));
          continue;
        }
      }
      if (!current()) return; // signed out: the server ended the stream
      setLive("offline");
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  // Signing out: the stream ends (follow() ends without a word once signedIn() is false).
  function stop() {
    if (streamAbort) streamAbort.abort();
  }

  return { setLive, follow, stop };
})();
