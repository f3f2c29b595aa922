// The associate console's scripts (console.js, compare.js) reach the mirror and build the page
// the same way, through these two helpers. Plain JS, no build step.
"use strict";
window.consoleApi = (() => {
  const KEY = "smartmirror.console.token";  // the sign-in's session token, in sessionStorage

  // A request to the mirror that served the page, with the sign-in's token. A 401 means the
  // session is over (expired, or signed out elsewhere): "console:signed-out" tells console.js,
  // which signs out, closes any open dialog and asks for the PIN again.
  async function api(path, options = {}) {
    const headers = Object.assign({}, options.headers || {}, { Authorization: `Bearer ${sessionStorage.getItem(KEY)}` });
    const resp = await fetch(path, Object.assign({}, options, { headers }));
    if (resp.status === 401) {
      document.dispatchEvent(new CustomEvent("console:signed-out"));
      throw new Error("signed out");
    }
    if (!resp.ok) {
      let message = `HTTP ${resp.status}`;
      try { message = (await resp.json()).message || message; } catch (_) { /* not JSON */ }
      throw new Error(message);
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

  return { KEY, api, el };
})();
