/* The phone's outbox, shared by every field page that records something (DESIGN rule 7).
 *
 * A page queues a record with the endpoint it goes to and the photos it cites as "local:n".
 * The outbox uploads each photo on its own request, cites it by the SHA-256 the server
 * returns, then posts the record under the UUID the phone made. 200 or 201 means done (a
 * record the server already holds answers 200, so a resend after a lost answer is
 * harmless); any other 4xx but 401/403/429 means the server will never take it, so the
 * entry is kept, marked failed with the server's message, and the others go on. The outbox
 * is retried when the connection comes back, every 20 seconds, and on every page that
 * loads this script.
 *
 * Pages listen for "ruhu:sent" (detail: {id, endpoint, response}) and "ruhu:failed"
 * (detail: {id, endpoint, message}).
 */
(function () {
  "use strict";

  if (window.ruhuOutbox) return;

  var OUTBOX = "ruhu.outbox";
  // entries queued before each one carried its endpoint were all visits
  var LEGACY_ENDPOINT = "/api/v1/inspection/visits";
  var MAX_SIDE = 1600;
  var TEXT = {};

  // ── storage ────────────────────────────────────────────────────────────
  function load(key, fallback) {
    try { var raw = localStorage.getItem(key); return raw ? JSON.parse(raw) : fallback; }
    catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

  function uuid4() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function entries() { return load(OUTBOX, []); }
  function endpointOf(entry) { return entry.endpoint || LEGACY_ENDPOINT; }
  function isFailed(entry) { return !!entry.error; }
  function waiting() { return entries().filter(function (e) { return !isFailed(e); }); }

  function store(entry) {
    var box = entries();
    var at = box.findIndex(function (e) { return e.payload.id === entry.payload.id; });
    if (at >= 0) box[at] = entry; else box.push(entry);
    save(OUTBOX, box);
  }
  function drop(entry) {
    save(OUTBOX, entries().filter(function (e) { return e.payload.id !== entry.payload.id; }));
  }

  /* Queue a record: `photos` may hold every picture the page has taken; only the ones the
   * payload cites go with it. */
  function queue(endpoint, payload, photos) {
    var cited = {};
    JSON.stringify(payload).replace(/local:\d+/g, function (id) { cited[id] = photos[id]; return id; });
    store({ endpoint: endpoint, payload: payload, photos: cited, error: null });
    showOutbox();
  }

  // ── sending: photos first, then the record ────────────────────────────
  function dataUrlToBlob(url) {
    var parts = url.split(","), mime = parts[0].match(/:(.*?);/)[1];
    var bin = atob(parts[1]), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Blob([bytes], { type: mime });
  }

  function Refused(message) { this.message = message; }

  // 401, 403 and 429 pass (log in again, wait): the request may well succeed later
  function refusedForGood(status) {
    return status >= 400 && status < 500 && status !== 401 && status !== 403 && status !== 429;
  }

  function answer(response, accepted) {
    if (accepted.indexOf(response.status) >= 0) return response.json().catch(function () { return null; });
    if (refusedForGood(response.status)) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        throw new Refused((body && body.message) || String(response.status));
      });
    }
    throw { status: response.status };
  }

  function uploadPhoto(photo) {
    var form = new FormData();
    form.append("kind", photo.kind);
    form.append("file", dataUrlToBlob(photo.data), photo.kind === "signature" ? "signature.png" : "photo.jpg");
    return fetch("/api/v1/attachments", {
      method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrf() },
    }).then(function (response) { return answer(response, [201]); })
      .then(function (body) { photo.sha256 = body.sha256; photo.data = null; });
  }

  function cite(value, photos) {
    if (typeof value === "string" && value.indexOf("local:") === 0) return photos[value].sha256;
    if (Array.isArray(value)) return value.map(function (v) { return cite(v, photos); });
    if (value && typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (k) { out[k] = cite(value[k], photos); });
      return out;
    }
    return value;
  }

  function announce(name, detail) { document.dispatchEvent(new CustomEvent(name, { detail: detail })); }

  /* Resolves once the entry is settled (sent, or refused for good); rejects when it should
   * be tried again later. */
  function send(entry) {
    var endpoint = endpointOf(entry);
    var pending = Object.keys(entry.photos).filter(function (k) { return !entry.photos[k].sha256; });
    return pending.reduce(function (chain, key) {
      return chain.then(function () {
        return uploadPhoto(entry.photos[key]).then(function () { store(entry); });
      });
    }, Promise.resolve()).then(function () {
      return fetch(endpoint, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(cite(entry.payload, entry.photos)),
      });
    }).then(function (response) { return answer(response, [200, 201]); })
      .then(function (body) {
        drop(entry);
        announce("ruhu:sent", { id: entry.payload.id, endpoint: endpoint, response: body });
      }, function (problem) {
        if (!(problem instanceof Refused)) throw problem;
        entry.error = problem.message;
        store(entry);
        announce("ruhu:failed", { id: entry.payload.id, endpoint: endpoint, message: problem.message });
      });
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return Promise.resolve();
    var entry = waiting()[0];
    if (!entry) { showOutbox(); return Promise.resolve(); }
    flushing = true;
    return send(entry).then(function () { return true; }, function () { return false; })
      .then(function (settled) {
        flushing = false;
        showOutbox();
        // after trouble, wait for the next chance rather than hammering the server
        if (settled && waiting().length) return flush();
      });
  }

  // ── the note on field pages: how many records wait, which were refused ─
  function showOutbox() {
    var note = document.querySelector("[data-outbox-note]");
    if (!note) return;
    var box = entries(), failed = box.filter(isFailed), left = box.length - failed.length, parts = [];
    if (left) parts.push(left + " " + (TEXT.waiting || ""));
    if (failed.length) parts.push((TEXT.failed || "") + "：" + failed.map(function (e) { return e.error; }).join("；"));
    note.hidden = box.length === 0;
    note.textContent = parts.join(" · ");
  }

  function setText(text) {
    Object.keys(text || {}).forEach(function (k) { TEXT[k] = text[k]; });
    showOutbox();
  }

  // ── pictures: shrunk on the phone before they are kept or sent ─────────
  function shrink(file) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onerror = reject;
      reader.onload = function () {
        var img = new Image();
        img.onerror = function () { resolve(reader.result); };
        img.onload = function () {
          var scale = Math.min(1, MAX_SIDE / Math.max(img.width, img.height));
          var canvas = document.createElement("canvas");
          canvas.width = Math.round(img.width * scale); canvas.height = Math.round(img.height * scale);
          canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
          resolve(canvas.toDataURL("image/jpeg", 0.85));
        };
        img.src = reader.result;
      };
      reader.readAsDataURL(file);
    });
  }

  // Where the phone is, once, to six decimals (about 0.1 m); nothing when it cannot tell.
  function locate(onFix) {
    if (!navigator.geolocation) return;
    navigator.geolocation.getCurrentPosition(function (pos) {
      onFix(Math.round(pos.coords.latitude * 1e6) / 1e6, Math.round(pos.coords.longitude * 1e6) / 1e6);
    }, function () {}, { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 });
  }

  window.ruhuOutbox = {
    KEY: OUTBOX, load: load, save: save, uuid4: uuid4, csrf: csrf, shrink: shrink, locate: locate,
    entries: entries, store: store, queue: queue, flush: flush, showOutbox: showOutbox, setText: setText,
  };

  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  document.addEventListener("DOMContentLoaded", function () { showOutbox(); flush(); });
})();
