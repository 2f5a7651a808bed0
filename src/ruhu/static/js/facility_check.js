/* A facility check on the phone (RULES C), offline-safe like the visit (DESIGN rule 7).
 *
 * What the inspector enters is kept as a draft in localStorage per task (or per facility,
 * for a check without a task), so a reload loses nothing. Submitting hands the check to
 * the phone's outbox (outbox.js, loaded before this script) as `schemas.CheckIn`.
 *
 * The pressures are judged as they are typed against the policy ranges the page was given,
 * and a safety valve past its test validity is shown as a defect; both only warn: the
 * server judges the check again (`services.judge`) and raises the repair jobs.
 */
(function () {
  "use strict";

  var outbox = window.ruhuOutbox;
  var INTEGER = /^\d{1,7}$/;
  var MAX_PA = 1000000;
  var TEXT = {};

  function fmt(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (all, key) { return values[key]; });
  }

  // a Chinese keyboard may give full-width digits
  function halfWidth(value) {
    return value.replace(/[\uff10-\uff19]/g, function (d) { return String.fromCharCode(d.charCodeAt(0) - 0xfee0); });
  }

  function CheckPage(root, setup) {
    var self = this;
    this.root = root;
    this.setup = setup;
    this.form = root.querySelector("form[data-check]");
    this.key = "ruhu.facilitycheck." + (setup.taskId ? "task." + setup.taskId : "facility." + setup.facilityId);
    this.state = outbox.load(this.key, null) || {
      id: outbox.uuid4(), startedAt: null, lat: null, lon: null, items: {}, notes: {}, itemPhotos: {},
      photos: {}, pressures: {}, cleaned: false, valveDate: "", valveAuto: false, note: "", seq: 0,
    };
    this.labels = {};
    setup.items.forEach(function (item) { self.labels[item.code] = item.label; });
    var queued = this.queuedCheck();
    if (queued) { this.done(queued.payload.id); return; }
    this.bind();
    this.applyValve();
    this.render();
  }

  CheckPage.prototype.$ = function (sel, scope) { return (scope || this.root).querySelector(sel); };
  CheckPage.prototype.$$ = function (sel, scope) { return Array.prototype.slice.call((scope || this.root).querySelectorAll(sel)); };
  CheckPage.prototype.keep = function () { outbox.save(this.key, this.state); };
  CheckPage.prototype.codes = function () { return this.setup.items.map(function (item) { return item.code; }); };

  // A check of this facility already waits in the outbox: say so rather than offer a second one.
  CheckPage.prototype.queuedCheck = function () {
    var setup = this.setup;
    return outbox.entries().filter(function (e) {
      return e.endpoint === setup.endpoint && !e.error && e.payload.facility_id === setup.facilityId;
    })[0];
  };

  // ── input ──────────────────────────────────────────────────────────────
  CheckPage.prototype.bind = function () {
    var self = this;
    var start = this.$('[data-action="start"]');
    start.addEventListener("click", function () { self.start(); });
    start.disabled = false; // enabled only once it does something: a tap before the script ran is not lost silently
    this.$$(".item").forEach(function (li) { self.bindItem(li); });
    this.$("[data-all-ok]").addEventListener("click", function () { self.allOk(); });
    this.$$("[data-pressure]").forEach(function (box) {
      var input = self.$("[data-pressure-input]", box);
      input.addEventListener("input", function () {
        var value = halfWidth(input.value);
        if (value !== input.value) input.value = value;
        self.state.pressures[box.dataset.pressure] = value;
        self.keep(); self.renderPressure(box);
      });
    });
    var cleaned = this.$("[data-cleaned]");
    if (cleaned) cleaned.addEventListener("change", function () { self.state.cleaned = cleaned.checked; self.keep(); });
    var valveDate = this.$("[data-valve-date]");
    if (valveDate) {
      var onDate = function () { self.state.valveDate = valveDate.value; self.applyValve(); self.keep(); self.render(); };
      valveDate.addEventListener("change", onDate);
      valveDate.addEventListener("input", onDate);
    }
    var note = this.$("[data-check-note]");
    note.addEventListener("input", function () { self.state.note = note.value; self.keep(); });
    this.form.addEventListener("submit", function (event) { event.preventDefault(); self.submit(); });
  };

  CheckPage.prototype.bindItem = function (li) {
    var self = this, code = li.dataset.item;
    this.$$('input[type="radio"]', li).forEach(function (radio) {
      radio.addEventListener("change", function () {
        self.state.items[code] = radio.value;
        self.keep(); self.renderItem(li); self.renderSection();
      });
    });
    this.$("[data-note]", li).addEventListener("input", function (e) { self.state.notes[code] = e.target.value; self.keep(); });
    var photo = this.$("input[data-photo]", li);
    photo.addEventListener("change", function () { self.takePhoto(photo, code); });
  };

  CheckPage.prototype.start = function () {
    var self = this;
    if (!this.state.startedAt) this.state.startedAt = new Date().toISOString();
    this.keep(); this.render();
    outbox.locate(function (lat, lon) { self.state.lat = lat; self.state.lon = lon; self.keep(); self.render(); });
  };

  // Only the items still unanswered: what the inspector has looked at stays as answered.
  CheckPage.prototype.allOk = function () {
    var s = this.state;
    this.codes().forEach(function (code) { if (!s.items[code]) s.items[code] = "ok"; });
    this.keep(); this.render();
  };

  CheckPage.prototype.takePhoto = function (input, code) {
    var self = this, file = input.files && input.files[0];
    if (!file) return;
    outbox.shrink(file).then(function (data) {
      var id = "local:" + (++self.state.seq);
      self.state.photos[id] = { kind: "photo", data: data, sha256: null };
      (self.state.itemPhotos[code] = self.state.itemPhotos[code] || []).push(id);
      input.value = "";
      self.keep(); self.render();
    });
  };

  /* A safety valve past its validity (the new one typed, else the registered one) is a
   * defect whatever is answered, as the server will judge it: the item is set to 缺陷 and
   * locked there; a later validity unlocks it and takes back only what was set here. */
  CheckPage.prototype.applyValve = function () {
    var valve = this.setup.safetyValve, s = this.state;
    if (!valve) return;
    var until = s.valveDate || valve.validUntil;
    this.valveExpiredOn = until && until < this.setup.today ? until : null;
    if (this.valveExpiredOn && s.items[valve.item] !== "defect") {
      s.items[valve.item] = "defect";
      s.valveAuto = true;
    } else if (!this.valveExpiredOn && s.valveAuto) {
      delete s.items[valve.item];
      s.valveAuto = false;
    }
  };

  // ── showing the state ─────────────────────────────────────────────────
  CheckPage.prototype.render = function () {
    var self = this, s = this.state, started = !!s.startedAt;
    this.$('[data-step="start"]').hidden = started;
    this.form.hidden = !started;
    this.$("[data-started]").textContent = started
      ? (TEXT.startedAt || "") + " " + new Date(s.startedAt).toLocaleTimeString() + " · " +
        (s.lat !== null ? (TEXT.position || "") + " " + s.lat.toFixed(5) + ", " + s.lon.toFixed(5) : (TEXT.noPosition || ""))
      : "";
    this.$$(".item").forEach(function (li) { self.renderItem(li); });
    this.renderSection();
    this.$$("[data-pressure]").forEach(function (box) { self.renderPressure(box); });
    var cleaned = this.$("[data-cleaned]");
    if (cleaned) cleaned.checked = !!s.cleaned;
    var valveDate = this.$("[data-valve-date]");
    if (valveDate && valveDate.value !== s.valveDate) valveDate.value = s.valveDate;
    var note = this.$("[data-check-note]");
    if (note.value !== s.note) note.value = s.note;
  };

  CheckPage.prototype.renderItem = function (li) {
    var s = this.state, code = li.dataset.item, value = s.items[code];
    var locked = !!this.setup.safetyValve && code === this.setup.safetyValve.item && !!this.valveExpiredOn;
    this.$$('input[type="radio"]', li).forEach(function (radio) {
      radio.checked = radio.value === value;
      radio.disabled = locked && radio.value !== "defect";
    });
    li.classList.toggle("answered", !!value);
    if (value) li.classList.remove("missing");
    var reason = this.$("[data-valve-reason]", li);
    if (reason) {
      reason.hidden = !locked;
      reason.textContent = locked ? fmt(TEXT.valveExpired, { date: this.valveExpiredOn }) : "";
    }
    this.$("[data-defect]", li).hidden = value !== "defect";
    var note = this.$("[data-note]", li);
    if (note.value !== (s.notes[code] || "")) note.value = s.notes[code] || "";
    this.thumbs(this.$("[data-thumbs]", li), s.itemPhotos[code] || []);
  };

  CheckPage.prototype.renderSection = function () {
    var s = this.state, section = this.$("[data-section]");
    var left = this.codes().filter(function (code) { return !s.items[code]; }).length;
    this.$("[data-sec-state]", section).textContent = left ? left + " " + (TEXT.itemsLeft || "") : "✓ " + (TEXT.itemsDone || "");
    section.classList.toggle("complete", left === 0);
  };

  // What the typed pressure means: nothing yet, not a number, outside or inside its range.
  CheckPage.prototype.pressureVerdict = function (name) {
    var raw = (this.state.pressures[name] || "").trim(), range = this.setup.pressures[name];
    if (!raw) return { state: "empty", message: "" };
    if (!INTEGER.test(raw) || Number(raw) > MAX_PA) return { state: "invalid", message: TEXT.notNumber };
    var value = Number(raw), inside = value >= range.low && value <= range.high;
    return {
      state: inside ? "in-range" : "out-of-range", value: value,
      message: fmt(inside ? TEXT.inRange : TEXT.outOfRange, { low: range.low, high: range.high }),
    };
  };

  CheckPage.prototype.renderPressure = function (box) {
    var name = box.dataset.pressure, verdict = this.pressureVerdict(name);
    var input = this.$("[data-pressure-input]", box), message = this.$("[data-pressure-msg]", box);
    if (input.value !== (this.state.pressures[name] || "")) input.value = this.state.pressures[name] || "";
    ["in-range", "out-of-range", "invalid"].forEach(function (state) {
      input.classList.toggle(state, verdict.state === state);
      box.classList.toggle(state, verdict.state === state);
    });
    if (verdict.state === "empty") input.removeAttribute("aria-invalid");
    else input.setAttribute("aria-invalid", verdict.state === "in-range" ? "false" : "true");
    message.textContent = verdict.message;
  };

  CheckPage.prototype.thumbs = function (box, ids) {
    var photos = this.state.photos;
    box.textContent = "";
    ids.forEach(function (id) {
      var photo = photos[id];
      if (photo && photo.data) { var img = document.createElement("img"); img.src = photo.data; img.alt = ""; box.appendChild(img); }
    });
  };

  // ── submitting ─────────────────────────────────────────────────────────
  CheckPage.prototype.problems = function () {
    var self = this, s = this.state, errors = [], labelsOf = function (codes) {
      return codes.map(function (code) { return self.labels[code]; }).join("、");
    };
    var unanswered = this.codes().filter(function (code) { return !s.items[code]; });
    this.$$(".item").forEach(function (li) { li.classList.toggle("missing", unanswered.indexOf(li.dataset.item) >= 0); });
    if (unanswered.length) errors.push(fmt(TEXT.unanswered, { items: labelsOf(unanswered) }));
    var unproven = this.codes().filter(function (code) {
      return s.items[code] === "defect" && !(s.itemPhotos[code] || []).length;
    });
    if (unproven.length) errors.push(fmt(TEXT.defectPhoto, { items: labelsOf(unproven) }));
    this.$$("[data-pressure]").forEach(function (box) {
      var name = box.dataset.pressure, verdict = self.pressureVerdict(name);
      var label = self.$("label span", box).textContent;
      if (verdict.state === "empty") errors.push(fmt(TEXT.pressureMissing, { name: label }));
      else if (verdict.state === "invalid") errors.push(fmt(TEXT.pressureInvalid, { name: label }));
    });
    return errors;
  };

  CheckPage.prototype.payload = function () {
    var self = this, s = this.state, setup = this.setup;
    var checklist = {};
    this.codes().forEach(function (code) {
      var defect = s.items[code] === "defect";
      checklist[code] = {
        state: s.items[code],
        note: defect ? (s.notes[code] || "").trim() : "",
        photos: defect ? s.itemPhotos[code] || [] : [],
      };
    });
    var pressure = function (name) {
      return setup.takesPressures ? self.pressureVerdict(name).value : null;
    };
    return {
      id: s.id, facility_id: setup.facilityId, task_id: setup.taskId,
      started_at: s.startedAt, finished_at: new Date().toISOString(), latitude: s.lat, longitude: s.lon,
      checklist: checklist,
      cutoff_pa: pressure("cutoff_pa"), closing_pa: pressure("closing_pa"), operating_pa: pressure("operating_pa"),
      cleaned: setup.takesPressures ? !!s.cleaned : false,
      safety_valve_valid_until: setup.safetyValve && s.valveDate ? s.valveDate : null,
      note: (s.note || "").trim(),
    };
  };

  CheckPage.prototype.submit = function () {
    var box = this.$("[data-errors]"), errors = this.problems();
    box.hidden = !errors.length;
    box.textContent = "";
    if (errors.length) {
      var list = document.createElement("ul");
      errors.forEach(function (error) {
        var li = document.createElement("li"); li.textContent = error; list.appendChild(li);
      });
      box.appendChild(list);
      box.scrollIntoView({ block: "center" });
      return;
    }
    var payload = this.payload();
    outbox.queue(this.setup.endpoint, payload, this.state.photos);
    localStorage.removeItem(this.key);
    this.done(payload.id);
    outbox.flush();
  };

  CheckPage.prototype.done = function (id) {
    var self = this, panel = this.$("[data-done]");
    this.$$("form[data-check], [data-step]").forEach(function (el) { el.hidden = true; });
    panel.hidden = false;
    panel.dataset.checkId = id;
    var show = function (title, text, sent) {
      self.$("[data-done-title]", panel).textContent = title;
      self.$("[data-done-text]", panel).textContent = text;
      panel.dataset.sent = sent;
    };
    show(TEXT.queuedTitle, TEXT.queued, "0");
    document.addEventListener("ruhu:sent", function (e) {
      if (e.detail.id !== id) return;
      show(TEXT.sentTitle, TEXT.sent, "1");
      self.showResult(panel, e.detail.response);
      // "due" as the page was loaded: this check has just answered it
      self.$$("[data-stale-when-sent]").forEach(function (el) { el.hidden = true; });
    });
    document.addEventListener("ruhu:failed", function (e) {
      if (e.detail.id === id) show(TEXT.failedTitle, e.detail.message, "failed");
    });
    window.scrollTo(0, 0);
  };

  // What the server found: the defects it recorded and the repair jobs it raised for them.
  CheckPage.prototype.showResult = function (panel, check) {
    var box = this.$("[data-done-result]", panel);
    if (!check || !check.defects) return;
    box.textContent = "";
    box.hidden = false;
    panel.dataset.result = check.defects.length ? "defects" : "passed";
    var line = function (text, tag) {
      var el = document.createElement(tag || "p"); el.textContent = text; box.appendChild(el); return el;
    };
    if (!check.defects.length) { line(TEXT.passed).className = "fc-passed"; return; }
    line(fmt(TEXT.defectsFound, { n: check.defects.length })).className = "fc-found";
    var list = line("", "ul");
    check.defects.forEach(function (defect) {
      var li = document.createElement("li"); li.textContent = defect.description; list.appendChild(li);
    });
    var raised = (check.repair_ids || []).length, following = check.defects.length - raised;
    if (raised) line(fmt(TEXT.repairsRaised, { n: raised }));
    if (following > 0) line(fmt(TEXT.repairsOpen, { n: following }));
  };

  document.addEventListener("DOMContentLoaded", function () {
    var text = document.getElementById("facility-check-text");
    if (text) TEXT = JSON.parse(text.textContent);
    outbox.setText(TEXT);
    var root = document.querySelector("[data-facility-check]");
    if (root && root.querySelector("form[data-check]")) {
      window.ruhuFacilityCheck = new CheckPage(root, JSON.parse(document.getElementById("facility-check-setup").textContent));
    }
  });
})();
