// The studio page: wires the API, the timeline, the map, the stages and the player together.

import { Api } from "./api.js";
import { controlLabel, el, valueParts } from "./format.js";
import { InstrumentList } from "./instruments.js";
import { EventMap } from "./map.js";
import { Player } from "./player.js";
import { showStages } from "./stages.js";
import { Timeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const SESSION_KEY = "eventcodec-studio-session"; // per tab: a reload carries on, another tab starts afresh
const state = {
  api: null, schema: null, view: null, job: null, upload: null, source: null, focus: null,
  sourceVersion: 0, // counts accepted uploads, so the original's URLs change with the file
  jobSource: null, jobTimer: 0,
  starting: false, // an encode request is on its way: the job id is not known yet
  cancelPending: false, // Cancel was pressed while starting: cancel the job as soon as its id arrives
};

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

// An error shown in the status line and, when given, next to the control that caused it.
function fail(e, where = null) {
  const text = e.message || String(e);
  setStatus(text, true);
  if (where) $(where).textContent = text;
}

function clearError(where) {
  $(where).textContent = "";
}

function plural(n, word = "event") {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function originalVersion() {
  return `${state.sourceVersion}-${state.view ? state.view.version : 0}`;
}

const player = new Player((t) => {
  timeline.setPlayhead(t);
  $("clock").textContent = `${(t || 0).toFixed(2)} s`;
}, (m) => setStatus(m, true));

const timeline = new Timeline($("timeline"), $("events"), $("tooltip"), $("playhead"), $("axis"), {
  onHover: (i) => showControls(i === null ? state.focus : i),
  onClick: (i) => focusEvent(i),
  onSelect: () => syncSelection(),
  onMove: (offsetS) => edit({ op: "shift", indices: selected(), offset_s: offsetS }),
  onDrop: async (target, source) => {
    if (target === null) return setStatus("drop the neighbour onto an event (or select one event first)", true);
    if (await edit({ op: "replace", indices: [target], source })) await showNeighbours(target);
  },
  onSeek: (t) => { if (player.playing) player.play(state.api.audioUrl("decoded", state.view.version), t); },
});

const eventMap = new EventMap($("map"), $("neighbours"), {
  onPick: (i, opts = {}) => {
    timeline.selection = new Set([i]);
    timeline.refreshClasses();
    syncSelection();
    focusEvent(i, opts.keepNeighbours);
  },
});

const instrumentList = new InstrumentList($("instruments"), (label, additive) => {
  const mine = state.view.events.filter((ev) => ev.instrument === label).map((ev) => ev.index);
  if (!additive) timeline.selection.clear();
  for (const i of mine) timeline.selection.add(i);
  timeline.refreshClasses();
  syncSelection();
  setStatus(`instrument ${label}: ${plural(mine.length)} selected · Delete mutes it, transpose moves it`);
});

function setColourBy(mode) {
  timeline.setColourBy(mode);
  $("map").classList.toggle("by-instrument", mode === "instrument");
  $("pitch-legend").hidden = mode === "instrument";
}

function selected() {
  return [...timeline.selection].sort((a, b) => a - b);
}

function syncSelection() {
  eventMap.selection = timeline.selection;
  eventMap.draw();
  const n = timeline.selection.size;
  for (const id of ["delete", "set-room"]) $(id).disabled = n === 0;
  for (const b of document.querySelectorAll(".transpose")) b.disabled = n === 0;
  $("counts").textContent = `${plural(state.view.events.length)} · ${n} selected`;
}

function showControls(index) {
  const body = $("controls").tBodies[0];
  if (index === null || index === undefined || !state.view || !state.view.events[index]) {
    $("inspected").textContent = "";
    body.replaceChildren();
    return;
  }
  const ev = state.view.events[index];
  $("inspected").textContent = `${index} at ${ev.time_s.toFixed(3)} s`;
  body.replaceChildren(...state.schema.controls.map((c, i) => {
    const row = el("tr", { title: `${c.doc} In filters: ${c.name}.` });
    const { text, unit } = state.view.space === "controls" ? valueParts(ev.controls[i], c.unit)
      : { text: ev.controls[i].toFixed(3), unit: "" };
    row.append(el("td", {}, controlLabel(c.name)), el("td", { class: "value" }, text), el("td", { class: "unit" }, unit));
    return row;
  }));
}

async function focusEvent(index, keepNeighbours = false) {
  state.focus = index;
  showControls(index);
  const version = state.view.version;
  player.once(state.api.eventAudioUrl(index, version));
  try {
    if (!keepNeighbours) await showNeighbours(index);
    await showStages($("stages"), $("stages-of"), state.api, index, version, (url) => player.once(url));
  } catch (e) {
    fail(e);
  }
}

async function showNeighbours(index) {
  const found = await state.api.neighbours(index);
  eventMap.showNeighbours(index, found);
  timeline.neighbours = eventMap.neighbours;
  timeline.refreshClasses();
}

function showView(view, selectedIndices = null) {
  state.view = view;
  $("studio").hidden = false;
  document.body.dataset.state = "ready";
  $("timeline").dataset.version = String(view.version);
  $("timeline").dataset.count = String(view.events.length);
  timeline.selection = new Set(selectedIndices === null ? [] : selectedIndices);
  timeline.neighbours = new Set();
  timeline.setData(view, state.schema);
  eventMap.labels = view.events.map((ev) => ev.instrument);
  instrumentList.show(view);
  $("undo").disabled = !view.can_undo;
  $("redo").disabled = !view.can_redo;
  for (const kind of ["evc", "wav", "csv", "mid"]) $(`dl-${kind}`).href = state.api.downloadUrl(kind);
  $("play-original").disabled = !state.source;
  $("background").querySelector('option[value="original"]').disabled = !state.source;
  if (!state.source) $("background").value = "decoded";
  refreshBackground();
  syncSelection();
  if (state.focus !== null && state.focus >= view.events.length) state.focus = null;
  showControls(state.focus);
  eventMap.clearNeighbours();
  $("stages").replaceChildren();
  $("stages-of").textContent = "";
  state.api.map().then((m) => { if (state.view === view) eventMap.setPoints(m.points); }).catch(fail);
}

function refreshBackground() {
  const which = $("background").value;
  $("spectrogram").src = state.api.spectrogramUrl(which, which === "original" ? originalVersion() : state.view.version);
}

function describe(r, view) {
  const n = plural(r.op === "transpose" ? view.selected.length : r.indices.length);
  if (r.op === "shift") return `moved ${n} by ${r.offset_s.toFixed(3)} s`;
  if (r.op === "transpose") return `transposed ${n} by ${r.semitones > 0 ? "+" : ""}${r.semitones} semitones`;
  if (r.op === "room") return `put ${n} in room ${r.room}`;
  if (r.op === "replace") return `event ${r.indices[0]} replaced by event ${r.source}`;
  return r.op === "delete" ? `deleted ${n}` : `${r.op} on ${n}`;
}

async function edit(request) {
  try {
    const view = await state.api.edit(request);
    clearError("edit-error");
    player.stop();
    showView(view, view.selected);
    const note = view.note ? ` (${view.note})` : "";
    setStatus(`${describe(request, view)}${note} · ▶ Play to hear the result`);
    return view;
  } catch (e) {
    fail(e, "edit-error");
    timeline.draw();
    return null;
  }
}

// ---- upload, encode, progress ----

function showJob(on, message = "", progress = 0) {
  $("job").hidden = !on;
  $("job-message").textContent = message;
  if (progress > 0) $("progress").value = progress;
  else $("progress").removeAttribute("value"); // indeterminate while the encoder starts: 0 % says nothing
  if (on) document.body.dataset.state = "encoding";
}

function elapsed(since) {
  return `${Math.round((Date.now() - since) / 1000)} s`;
}

// Time left, from the rate so far (shown once there is enough progress to judge it).
function remaining(since, progress) {
  if (progress < 0.05 || progress >= 1) return "";
  const left = ((Date.now() - since) / 1000) * (1 - progress) / progress;
  return ` · about ${Math.max(1, Math.round(left))} s left`;
}

function clipSeconds() {
  const clip = parseFloat($("clip").value);
  return Number.isFinite(clip) && clip > 0 ? clip : null;
}

// Stop following the current encode: its result must never replace what comes next.
function dropJob() {
  if (state.jobSource) state.jobSource.close();
  clearInterval(state.jobTimer);
  state.job = null;
  state.jobSource = null;
  showJob(false);
}

async function startFromFile(file) {
  player.stop();
  dropJob(); // the server cancels that encode as soon as a new upload starts
  clearError("upload-error");
  showJob(true, "uploading", 0);
  setStatus(`uploading ${file.name}…`);
  state.upload = state.api.upload(file, "audio", (f) => { $("progress").value = f; }, clipSeconds());
  try {
    const info = await state.upload.promise;
    state.source = info;
    state.sourceVersion += 1;
    await startEncode(info);
  } catch (e) {
    showJob(false);
    document.body.dataset.state = "refused";
    fail(e, "upload-error");
  } finally {
    state.upload = null;
  }
}

async function startEncode(info) {
  $("encode").disabled = false;
  const clipS = clipSeconds();
  const seconds = clipS ? Math.min(clipS, info.duration_s) : info.duration_s;
  setStatus(`encoding ${info.name} (${seconds.toFixed(1)} s, ${$("quality").value})…`);
  state.cancelPending = false;
  state.starting = true;
  let job;
  try {
    job = await state.api.encode($("quality").value, clipS);
  } finally {
    state.starting = false;
  }
  follow(job);
  if (state.cancelPending) {
    state.cancelPending = false;
    await cancel();
  }
}

function follow(job) {
  state.job = job;
  showJob(true, job.message, job.progress);
  const source = new EventSource(state.api.jobEventsUrl(job.job_id));
  state.jobSource = source;
  const since = Date.now();
  let last = job;
  const show = () => showJob(true, `${last.message} ${Math.round(100 * last.progress)}% · ${elapsed(since)}`
    + remaining(since, last.progress), last.progress);
  const timer = setInterval(show, 1000);
  state.jobTimer = timer;
  source.addEventListener("progress", async (e) => {
    if (!state.job || state.job.job_id !== job.job_id) { // a newer encode replaced this one
      source.close();
      clearInterval(timer);
      return;
    }
    const snap = JSON.parse(e.data);
    last = snap;
    show();
    if (!["done", "failed", "cancelled"].includes(snap.state)) return;
    source.close();
    clearInterval(timer);
    state.job = null;
    showJob(false);
    document.body.dataset.state = snap.state === "done" ? "loading" : snap.state;
    if (snap.state === "done") {
      try {
        if (state.source) $("background").value = "original";
        state.focus = null;
        showView(await state.api.events());
        setStatus(`${plural(snap.n_events)}. Click one to hear it; edit, then ▶ Play.`);
      } catch (err) {
        fail(err);
      }
    } else {
      setStatus(snap.state === "failed" ? `encode failed: ${snap.error}` : snap.message, snap.state === "failed");
    }
  });
}

async function cancel() {
  if (state.upload) state.upload.abort();
  if (state.starting) {
    state.cancelPending = true; // the server has the job but the page not its id yet
    setStatus("cancelling…");
  } else if (state.job) {
    // the server kills the worker; the event stream then reports "cancelled" and tidies up
    try { await state.api.cancelJob(state.job.job_id); } catch (e) { fail(e); }
  } else {
    showJob(false);
  }
}

async function openEvc(file) {
  clearError("upload-error");
  try {
    const view = await state.api.upload(file, "evc", () => {}).promise;
    dropJob();
    state.source = null;
    state.focus = null; // the inspector showed an event of the previous set
    $("encode").disabled = true;
    showView(view);
    setStatus(view.events.length ? `opened ${file.name}: ${plural(view.events.length)}`
      : `${file.name} holds no events`);
  } catch (e) {
    fail(e, "upload-error");
  }
}

// ---- wiring ----

function wire() {
  $("file").addEventListener("change", (e) => { if (e.target.files[0]) startFromFile(e.target.files[0]); e.target.value = ""; });
  $("example").addEventListener("click", async () => {
    try {
      player.stop();
      state.source = await state.api.example();
      await startEncode(state.source);
    } catch (e) { fail(e); }
  });
  $("open-evc-button").addEventListener("click", () => $("open-evc").click());
  $("open-evc").addEventListener("change", (e) => { if (e.target.files[0]) openEvc(e.target.files[0]); e.target.value = ""; });
  $("cancel").addEventListener("click", cancel);
  $("encode").addEventListener("click", () => state.source && startEncode(state.source).catch(fail));
  $("play").addEventListener("click", playDecode);
  $("play-original").addEventListener("click", () => player.play(state.api.audioUrl("original", originalVersion())));
  $("play-events").addEventListener("click", () => player.play(state.api.audioUrl("events", state.view.version)));
  $("stop").addEventListener("click", () => player.stop());
  $("background").addEventListener("change", refreshBackground);
  $("colour-by").addEventListener("change", (e) => setColourBy(e.target.value));
  setColourBy($("colour-by").value);
  $("undo").addEventListener("click", () => history("undo"));
  $("redo").addEventListener("click", () => history("redo"));
  $("delete").addEventListener("click", deleteSelected);
  for (const b of document.querySelectorAll(".transpose")) {
    b.addEventListener("click", () => edit({ op: "transpose", indices: selected(), semitones: Number(b.dataset.semitones) }));
  }
  $("set-room").addEventListener("click", () => edit({ op: "room", indices: selected(), room: Number($("room").value) }));
  $("filter-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const { indices } = await state.api.select($("filter").value);
      clearError("filter-error");
      timeline.selection = new Set(indices);
      timeline.refreshClasses();
      syncSelection();
      setStatus(`${plural(indices.length)} ${indices.length === 1 ? "matches" : "match"}`);
    } catch (err) { fail(err, "filter-error"); }
  });
  $("select-none").addEventListener("click", () => { timeline.selection.clear(); timeline.refreshClasses(); syncSelection(); });
  $("select-invert").addEventListener("click", () => {
    if (!state.view) return;
    timeline.selection = new Set(state.view.events.map((ev) => ev.index).filter((i) => !timeline.selection.has(i)));
    timeline.refreshClasses();
    syncSelection();
  });
  document.addEventListener("keydown", onKey);
  // no close on pagehide: a reload or a visit elsewhere comes back to the same session (it expires when idle)
}

async function playDecode() {
  setStatus("rendering the decode…");
  await player.play(state.api.audioUrl("decoded", state.view.version));
  if (player.playing) setStatus(`playing the decode of ${state.view.events.length} events`);
}

async function history(which) {
  if (!state.view || !(which === "undo" ? state.view.can_undo : state.view.can_redo)) return;
  try {
    player.stop();
    const view = await (which === "undo" ? state.api.undo() : state.api.redo());
    state.focus = null; // indices may now name other events
    showView(view);
    setStatus(`${which === "undo" ? "undone" : "redone"}: ${plural(view.events.length)} now · ▶ Play to hear it`);
  } catch (e) { fail(e); }
}

function deleteSelected() {
  const indices = selected();
  if (indices.length) edit({ op: "delete", indices });
}

function onKey(e) {
  if (!state.view || ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.key === "Delete" || e.key === "Backspace") deleteSelected();
  else if (ctrl && e.key.toLowerCase() === "z") history(e.shiftKey ? "redo" : "undo");
  else if (ctrl && e.key.toLowerCase() === "y") history("redo");
  else if (e.key === " ") player.playing ? player.stop() : playDecode();
  else if (e.key === "Escape") { timeline.selection.clear(); timeline.refreshClasses(); syncSelection(); }
  else return;
  e.preventDefault();
}

// A reloaded tab carries on with its session while the server keeps it (see docs/studio.md).
async function resume(kept) {
  if (kept.audio) {
    state.source = kept.audio;
    state.sourceVersion += 1;
    $("encode").disabled = false;
  }
  if (kept.n_events > 0) {
    showView(await state.api.events());
    setStatus(`carried on where you were: ${plural(kept.n_events)}${kept.audio ? ` of ${kept.audio.name}` : ""}`);
  } else if (kept.audio) {
    setStatus(`${kept.audio.name} is loaded: press "Encode again" to encode it`);
  }
}

async function init() {
  wire();
  try {
    const schema = await Api.schema();
    state.schema = schema;
    $("room").replaceChildren(...schema.rooms.map((name, i) => el("option", { value: String(i) }, `${i}: ${name}`)));
    const keptId = sessionStorage.getItem(SESSION_KEY);
    const kept = keptId ? await Api.sessionState(keptId) : null;
    const session = kept || await Api.createSession();
    state.api = new Api(session.session_id);
    sessionStorage.setItem(SESSION_KEY, session.session_id);
    $("example").hidden = !session.has_example;
    document.body.dataset.state = "idle";
    if (kept) await resume(kept);
    document.body.dataset.session = "ready";
  } catch (e) {
    fail(e);
  }
}

init();
