/* The visit on the phone, offline-safe (DESIGN rule 7).
 *
 * Everything the inspector enters is kept as a draft in localStorage, so a reload or a dead
 * battery loses nothing. Submitting hands the visit to the phone's outbox (outbox.js, loaded
 * before this script), which uploads its photos and then the visit under the UUID the
 * phone made, retrying until the server has it.
 */
(function () {
  "use strict";

  var outbox = window.ruhuOutbox;
  var load = outbox.load, save = outbox.save, uuid4 = outbox.uuid4, shrink = outbox.shrink;
  var ENDPOINT = "/api/v1/inspection/visits";
  var TEXT = {};

  // ── the visit page ─────────────────────────────────────────────────────
  function VisitPage(root, setup) {
    this.root = root;
    this.setup = setup;
    this.key = "ruhu.visit." + (setup.taskId ? "task." + setup.taskId : "review." + setup.reviewedVisitId);
    this.state = load(this.key, null) || {
      id: uuid4(), startedAt: null, lat: null, lon: null, outcome: null, items: {}, notes: {},
      itemPhotos: {}, hazards: {}, photos: {}, meter: "", appliances: {}, added: [], leaflet: false,
      needs: "", signer: "", signature: null, door: setup.door || "", refusal: "", absentPhoto: null,
      refusalPhotos: [], seq: 0,
    };
    this.bind();
    this.render();
  }

  VisitPage.prototype.$ = function (sel, scope) { return (scope || this.root).querySelector(sel); };
  VisitPage.prototype.$$ = function (sel, scope) { return Array.prototype.slice.call((scope || this.root).querySelectorAll(sel)); };
  VisitPage.prototype.keep = function () { save(this.key, this.state); };

  VisitPage.prototype.bind = function () {
    var self = this;
    var start = this.$('[data-action="start"]');
    start.addEventListener("click", function () { self.start(); });
    start.disabled = false; // enabled only once it does something: a tap before the script ran is not lost silently
    this.$$("[data-outcome]").forEach(function (btn) {
      btn.addEventListener("click", function () { self.state.outcome = btn.dataset.outcome; self.keep(); self.render(); });
    });
    this.$$(".item").forEach(function (li) { self.bindItem(li); });
    this.$$("[data-all-ok]").forEach(function (btn) {
      btn.addEventListener("click", function () { self.fillSection(btn.closest("[data-section]"), "ok"); });
    });
    this.$$("[data-all-na]").forEach(function (btn) {
      btn.addEventListener("click", function () { self.fillSection(btn.closest("[data-section]"), "na"); });
    });
    var bindValue = function (sel, field, event) {
      var el = self.$(sel);
      if (!el) return;
      el.addEventListener(event || "input", function () {
        self.state[field] = el.type === "checkbox" ? el.checked : el.value; self.keep();
      });
    };
    bindValue("[data-meter-reading]", "meter");
    bindValue("[data-leaflet]", "leaflet", "change");
    bindValue("[data-needs]", "needs");
    bindValue("[data-signer]", "signer");
    bindValue("[data-door]", "door");
    bindValue("[data-refusal]", "refusal");
    this.$$("[data-appliance-action]").forEach(function (select) {
      select.addEventListener("change", function () {
        self.state.appliances[select.closest("[data-appliance]").dataset.appliance] = select.value; self.keep();
      });
    });
    var add = this.$("[data-add-appliance]");
    if (add) add.addEventListener("click", function () { self.addAppliance(); });
    this.$$('input[data-photo="absent"], input[data-photo="refusal"]').forEach(function (input) {
      input.addEventListener("change", function () { self.takePhoto(input, input.dataset.photo); });
    });
    this.bindSignature();
    this.$$("form[data-part]").forEach(function (form) {
      form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(form.dataset.part); });
    });
  };

  VisitPage.prototype.bindItem = function (li) {
    var self = this, code = li.dataset.item;
    this.$$('input[type="radio"][name="item-' + code + '"]', li).forEach(function (radio) {
      radio.addEventListener("change", function () {
        self.state.items[code] = radio.value;
        if (radio.value === "hazard" && !self.state.hazards[code]) self.state.hazards[code] = { type: "", level: null, fixed: false, description: "", before: null, after: null };
        self.keep(); self.renderItem(li); self.renderSections();
      });
    });
    var select = this.$("[data-hazard-type]", li);
    select.appendChild(new Option(TEXT.choose || "—", ""));
    this.setup.hazardTypes.forEach(function (h) { select.appendChild(new Option(h.label + "（" + h.level + "级）", h.code)); });
    select.addEventListener("change", function () {
      var hazard = self.state.hazards[code], type = self.setup.hazardTypes.find(function (h) { return h.code === select.value; });
      hazard.type = select.value;
      if (type && !hazard.level) hazard.level = type.level;
      // who fixes it, by the catalogue: the customer gets a notice, anything else a repairer
      if (type && !hazard.remedyChosen) hazard.remedy = type.fixer === "customer" ? "notice" : "repair";
      self.keep(); self.renderItem(li);
    });
    this.$$('input[name="level-' + code + '"]', li).forEach(function (radio) {
      radio.addEventListener("change", function () { self.state.hazards[code].level = Number(radio.value); self.keep(); });
    });
    this.$$('input[name="remedy-' + code + '"]', li).forEach(function (radio) {
      radio.addEventListener("change", function () {
        var hazard = self.state.hazards[code];
        hazard.remedy = radio.value; hazard.remedyChosen = true; self.keep();
      });
    });
    this.$("[data-hazard-description]", li).addEventListener("input", function (e) { self.state.hazards[code].description = e.target.value; self.keep(); });
    this.$("[data-fixed]", li).addEventListener("change", function (e) { self.state.hazards[code].fixed = e.target.checked; self.keep(); self.renderItem(li); });
    this.$("[data-note]", li).addEventListener("input", function (e) { self.state.notes[code] = e.target.value; self.keep(); });
    this.$$("input[data-photo]", li).forEach(function (input) {
      input.addEventListener("change", function () { self.takePhoto(input, input.dataset.photo, code); });
    });
  };

  VisitPage.prototype.start = function () {
    var self = this;
    if (!this.state.startedAt) this.state.startedAt = new Date().toISOString();
    this.keep(); this.render();
    outbox.locate(function (lat, lon) { self.state.lat = lat; self.state.lon = lon; self.keep(); self.render(); });
    if (this.setup.taskId && this.setup.taskStatus === "planned" && navigator.onLine) {
      fetch("/api/v1/inspection/tasks/" + this.setup.taskId + "/start", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": outbox.csrf() },
      }).catch(function () {});
    }
  };

  // Only the unanswered items of this section, which the inspector has in front of them.
  VisitPage.prototype.fillSection = function (section, value) {
    var self = this;
    this.$$(".item", section).forEach(function (li) {
      var code = li.dataset.item;
      if (value === "na" || !self.state.items[code]) {
        if (self.state.items[code] === "hazard" && value === "na") return;
        self.state.items[code] = value;
      }
      self.renderItem(li);
    });
    this.keep(); this.renderSections();
  };

  VisitPage.prototype.takePhoto = function (input, purpose, code) {
    var self = this, file = input.files && input.files[0];
    if (!file) return;
    shrink(file).then(function (data) {
      var id = "local:" + (++self.state.seq);
      self.state.photos[id] = { kind: "photo", data: data, sha256: null };
      if (purpose === "item") (self.state.itemPhotos[code] = self.state.itemPhotos[code] || []).push(id);
      else if (purpose === "before") self.state.hazards[code].before = id;
      else if (purpose === "after") self.state.hazards[code].after = id;
      else if (purpose === "absent") self.state.absentPhoto = id;
      else if (purpose === "refusal") self.state.refusalPhotos.push(id);
      input.value = "";
      self.keep(); self.render();
    });
  };

  VisitPage.prototype.addAppliance = function () {
    var year = this.$("[data-new-year]").value.trim();
    this.state.added.push({
      kind: this.$("[data-new-kind]").value, brand: this.$("[data-new-brand]").value.trim(),
      model: this.$("[data-new-model]").value.trim(), installed_year: year ? Number(year) : null,
    });
    this.$("[data-new-brand]").value = ""; this.$("[data-new-model]").value = ""; this.$("[data-new-year]").value = "";
    this.$(".add-appliance").open = false;
    this.keep(); this.renderAppliances();
  };

  VisitPage.prototype.bindSignature = function () {
    var self = this, canvas = this.$("[data-signature]");
    if (!canvas) return;
    var ctx = canvas.getContext("2d"), drawing = false, last = null;
    var size = function () {
      var ratio = window.devicePixelRatio || 1, rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio); canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#111";
      if (self.state.signature) {
        var img = new Image();
        img.onload = function () { ctx.drawImage(img, 0, 0, rect.width, rect.height); };
        img.src = self.state.photos[self.state.signature].data || "";
      }
    };
    var point = function (e) { var r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    canvas.addEventListener("pointerdown", function (e) { drawing = true; last = point(e); canvas.setPointerCapture(e.pointerId); e.preventDefault(); });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      ctx.beginPath(); ctx.moveTo(last[0], last[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
      last = p; self.strokes = (self.strokes || 0) + 1;
    });
    var end = function () {
      if (!drawing) return;
      drawing = false;
      if ((self.strokes || 0) < 3) return;
      var id = self.state.signature || "local:" + (++self.state.seq);
      self.state.photos[id] = { kind: "signature", data: canvas.toDataURL("image/png"), sha256: null };
      self.state.signature = id; self.keep();
    };
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    this.$("[data-clear-signature]").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      if (self.state.signature) delete self.state.photos[self.state.signature];
      self.state.signature = null; self.strokes = 0; self.keep();
    });
    this.resizeSignature = size;
  };

  // ── showing the state ─────────────────────────────────────────────────
  VisitPage.prototype.render = function () {
    var s = this.state, started = !!s.startedAt;
    this.$('[data-step="start"]').hidden = started;
    this.$('[data-step="outcome"]').hidden = !started;
    this.$("[data-started]").textContent = started
      ? (TEXT.startedAt || "") + " " + new Date(s.startedAt).toLocaleTimeString() + " · " +
        (s.lat !== null ? (TEXT.position || "") + " " + s.lat.toFixed(5) + ", " + s.lon.toFixed(5) : (TEXT.noPosition || ""))
      : "";
    this.$$("[data-outcome]").forEach(function (btn) { btn.classList.toggle("primary", btn.dataset.outcome === s.outcome); btn.setAttribute("aria-pressed", btn.dataset.outcome === s.outcome); });
    var self = this;
    ["inspected", "absent", "refused"].forEach(function (part) { self.$('[data-part="' + part + '"]').hidden = !started || s.outcome !== part; });
    if (s.outcome === "inspected" && this.resizeSignature && !this.sized) { this.sized = true; this.resizeSignature(); }
    this.$$(".item").forEach(function (li) { self.renderItem(li); });
    this.renderSections();
    this.renderAppliances();
    var fill = function (sel, value) { var el = self.$(sel); if (el && el.value !== value && value !== undefined) el.value = value; };
    fill("[data-meter-reading]", s.meter); fill("[data-needs]", s.needs); fill("[data-signer]", s.signer);
    fill("[data-door]", s.door); fill("[data-refusal]", s.refusal);
    var leaflet = this.$("[data-leaflet]"); if (leaflet) leaflet.checked = !!s.leaflet;
    this.thumbs(this.$("[data-thumbs-absent]"), s.absentPhoto ? [s.absentPhoto] : []);
    this.thumbs(this.$("[data-thumbs-refusal]"), s.refusalPhotos);
  };

  VisitPage.prototype.renderItem = function (li) {
    var s = this.state, code = li.dataset.item, value = s.items[code];
    this.$$('input[name="item-' + code + '"]', li).forEach(function (radio) { radio.checked = radio.value === value; });
    li.classList.toggle("answered", !!value);
    var form = this.$("[data-hazard]", li), hazard = s.hazards[code];
    form.hidden = value !== "hazard";
    if (hazard) {
      this.$("[data-hazard-type]", li).value = hazard.type;
      this.$$('input[name="level-' + code + '"]', li).forEach(function (r) { r.checked = Number(r.value) === hazard.level; });
      this.$("[data-hazard-description]", li).value = hazard.description;
      this.$("[data-fixed]", li).checked = hazard.fixed;
      this.$("[data-after-btn]", li).hidden = !hazard.fixed;
      this.$("[data-remedy]", li).hidden = hazard.fixed || !hazard.type;
      this.$$('input[name="remedy-' + code + '"]', li).forEach(function (r) { r.checked = r.value === hazard.remedy; });
      this.thumbs(this.$("[data-thumbs-before]", li), hazard.before ? [hazard.before] : []);
      this.thumbs(this.$("[data-thumbs-after]", li), hazard.after ? [hazard.after] : []);
    }
    var note = this.$("[data-note]", li); if (note.value !== (s.notes[code] || "")) note.value = s.notes[code] || "";
    this.thumbs(this.$("[data-thumbs]", li), s.itemPhotos[code] || []);
  };

  VisitPage.prototype.renderSections = function () {
    var self = this;
    this.$$("[data-section]").forEach(function (section) {
      var items = self.$$(".item", section), left = items.filter(function (li) { return !self.state.items[li.dataset.item]; }).length;
      self.$("[data-sec-state]", section).textContent = left ? left + " " + (TEXT.sectionLeft || "") : "✓ " + (TEXT.sectionDone || "");
      section.classList.toggle("complete", left === 0);
    });
  };

  VisitPage.prototype.renderAppliances = function () {
    var list = this.$("[data-appliances]");
    if (!list) return;
    this.$$("[data-added]", list).forEach(function (li) { li.remove(); });
    this.state.added.forEach(function (a) {
      var li = document.createElement("li"); li.dataset.added = "1";
      li.textContent = "+ " + [a.kind, a.brand, a.model, a.installed_year || ""].join(" ").trim();
      list.appendChild(li);
    });
    var self = this;
    this.$$("[data-appliance-action]").forEach(function (select) {
      select.value = self.state.appliances[select.closest("[data-appliance]").dataset.appliance] || "confirmed";
    });
  };

  VisitPage.prototype.thumbs = function (box, ids) {
    if (!box) return;
    var photos = this.state.photos;
    box.textContent = "";
    ids.forEach(function (id) {
      var photo = photos[id];
      if (photo && photo.data) { var img = document.createElement("img"); img.src = photo.data; img.alt = ""; box.appendChild(img); }
    });
  };

  // ── submitting ─────────────────────────────────────────────────────────
  VisitPage.prototype.problems = function (part) {
    var s = this.state, errors = [];
    if (part === "inspected") {
      var codes = this.$$(".item").map(function (li) { return li.dataset.item; });
      if (codes.some(function (c) { return !s.items[c]; })) errors.push(TEXT.unanswered);
      codes.filter(function (c) { return s.items[c] === "hazard"; }).forEach(function (c) {
        var h = s.hazards[c];
        if (!h.type || !h.level || !h.before) errors.push(TEXT.hazardIncomplete);
        else if (h.fixed && !h.after) errors.push(TEXT.afterPhoto);
      });
      if (this.setup.indoorMeter && !/^\d+(\.\d{1,3})?$/.test((s.meter || "").trim())) errors.push(TEXT.meterReading);
      if (!s.signature || !s.signer.trim()) errors.push(TEXT.signature);
    } else if (part === "absent") {
      if (!s.absentPhoto) errors.push(TEXT.absentPhoto);
      if (!s.door.trim()) errors.push(TEXT.door);
    } else if (!s.refusal.trim() || !s.refusalPhotos.length) {
      errors.push(TEXT.refusal);
    }
    return errors.filter(function (e, i, all) { return all.indexOf(e) === i; });
  };

  VisitPage.prototype.payload = function (part) {
    var s = this.state, setup = this.setup, now = new Date().toISOString();
    var payload = {
      id: s.id, household_id: setup.householdId, task_id: setup.taskId, reviewed_visit_id: setup.reviewedVisitId,
      outcome: part, started_at: s.startedAt, finished_at: now, latitude: s.lat, longitude: s.lon,
    };
    if (part === "inspected") {
      payload.checklist = {};
      this.$$(".item").forEach(function (li) {
        var c = li.dataset.item;
        payload.checklist[c] = { state: s.items[c], note: (s.notes[c] || "").trim(), photos: s.itemPhotos[c] || [] };
      });
      payload.hazards = Object.keys(s.hazards).filter(function (c) { return s.items[c] === "hazard"; }).map(function (c) {
        var h = s.hazards[c];
        return { hazard_type: h.type, item: c, level: h.level, description: h.description.trim(), fixed_on_spot: h.fixed, remedy: h.fixed ? null : (h.remedy || null), before_photo: h.before, after_photo: h.fixed ? h.after : null };
      });
      payload.meter_reading = setup.indoorMeter ? s.meter.trim() : null;
      payload.appliances = setup.appliances.map(function (a) {
        return { appliance_id: a.id, action: s.appliances[a.id] || "confirmed", kind: a.kind, brand: a.brand, model: a.model, flue_type: a.flue || "", installed_year: a.year };
      }).concat(s.added.map(function (a) {
        return { appliance_id: null, action: "added", kind: a.kind, brand: a.brand, model: a.model, flue_type: "", installed_year: a.installed_year };
      }));
      payload.leaflet_given = !!s.leaflet;
      payload.customer_needs = s.needs.trim();
      payload.signature = s.signature;
      payload.signer_name = s.signer.trim();
    } else if (part === "absent") {
      payload.absent_photo = s.absentPhoto;
      payload.door_number = s.door.trim();
    } else {
      payload.refusal_reason = s.refusal.trim();
      payload.refusal_photos = s.refusalPhotos;
    }
    return payload;
  };

  VisitPage.prototype.submit = function (part) {
    var form = this.$('[data-part="' + part + '"]'), box = this.$("[data-errors]", form);
    var errors = this.problems(part);
    box.hidden = !errors.length;
    box.textContent = errors.join("；");
    if (errors.length) { box.scrollIntoView({ block: "center" }); return; }
    var payload = this.payload(part);
    outbox.queue(ENDPOINT, payload, this.state.photos);
    localStorage.removeItem(this.key);
    this.done(payload.id);
    outbox.flush();
  };

  VisitPage.prototype.done = function (id) {
    var self = this;
    this.$$("form[data-part], [data-step]").forEach(function (el) { el.hidden = true; });
    var panel = this.$('[data-part="done"]');
    panel.hidden = false;
    panel.dataset.visitId = id;
    var show = function (title, text, sent) {
      self.$("[data-done-title]", panel).textContent = title;
      self.$("[data-done-text]", panel).textContent = text;
      panel.dataset.sent = sent;
    };
    show(TEXT.queuedTitle, TEXT.queued, "0");
    document.addEventListener("ruhu:sent", function (e) { if (e.detail.id === id) show(TEXT.sentTitle, TEXT.sent, "1"); });
    // refused for good: the outbox keeps it, marked, and the day page says why
    document.addEventListener("ruhu:failed", function (e) { if (e.detail.id === id) show(TEXT.failed, e.detail.message, "failed"); });
    window.scrollTo(0, 0);
  };

  document.addEventListener("DOMContentLoaded", function () {
    var text = document.getElementById("visit-text");
    if (text) TEXT = JSON.parse(text.textContent);
    outbox.setText(TEXT);
    var root = document.querySelector("[data-visit]");
    if (root) window.ruhuVisit = new VisitPage(root, JSON.parse(document.getElementById("visit-setup").textContent));
  });
})();
