// Checks a receipt in the browser, so that the reader need not trust the server's word:
// from the rebuilt leaf hash and the inclusion path the server sent, recompute the root
// of the Merkle tree (RFC 6962 / RFC 9162 §2.1.3.2, SHA-256 via SubtleCrypto) and compare
// it with the checkpoint's signed root. No library, nothing fetched.
"use strict";
(function () {
  function hex(bytes) {
    return Array.from(new Uint8Array(bytes), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function unhex(s) {
    var out = new Uint8Array(s.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }
  async function node(left, right) {
    var buf = new Uint8Array(65);
    buf[0] = 1; buf.set(left, 1); buf.set(right, 33);
    return new Uint8Array(await crypto.subtle.digest("SHA-256", buf));
  }
  async function rootFromInclusion(index, size, leaf, path) {
    if (index < 0 || index >= size) throw new Error("leaf outside the tree");
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < path.length; i++) {
      var p = path[i];
      if (sn === 0) throw new Error("proof too long");
      if ((fn & 1) === 1 || fn === sn) {
        r = await node(p, r);
        while ((fn & 1) === 0 && fn !== 0) { fn >>= 1; sn >>= 1; }
      } else {
        r = await node(r, p);
      }
      fn >>= 1; sn >>= 1;
    }
    if (sn !== 0) throw new Error("proof too short");
    return r;
  }
  async function check(box) {
    var out = box.querySelector(".browser-verdict");
    if (!out || box.dataset.checked) return;
    box.dataset.checked = "1";
    try {
      if (!window.crypto || !crypto.subtle) throw new Error("this browser has no SubtleCrypto here");
      var path = box.dataset.path ? box.dataset.path.split(",").map(unhex) : [];
      var root = await rootFromInclusion(Number(box.dataset.seq), Number(box.dataset.size),
                                         unhex(box.dataset.leaf), path);
      var ok = hex(root) === box.dataset.root;
      out.textContent = ok ? "root recomputed in your browser: matches the signed checkpoint"
                           : "root recomputed in your browser: DOES NOT MATCH the checkpoint";
      box.dataset.browser = ok ? "ok" : "bad";
    } catch (e) {
      out.textContent = "could not check: " + e.message;
      box.dataset.browser = "error";
    }
  }
  function scan(root) {
    (root || document).querySelectorAll(".verify-result").forEach(check);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSwap", function (ev) { scan(ev.target); });
})();
