// The studio page: wires the API, the timeline, the map, the stages and the player together.

import { Api } from "./api.js";
import { el, formatValue } from "./format.js";
import { EventMap } from "./map.js";
import { Player } from "./player.js";
import { showStages } from "./stages.js";
import { Timeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const state = {
  api: null, schema: null, view: null, job: null, upload: null, source: null, focus: null,
  starting: false, // an encode request is on its way: the job id is not known yet
  cancelPending: false, // Cancel was pressed while starting: cancel the job as soon as its id arrives
};

function setStatus(text, error = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", error);
}

function fail(e) {
  setStatus(e.message || String(e), true);
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
  onDrop: (target, source) => {
    if (target === null) return setStatus("drop the neighbour onto an event (or select one event first)", true);
    edit({ op: "replace", indices: [target], source });
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

function selected() {
  return [...timeline.selection].sort((a, b) => a - b);
}

function syncSelection() {
  eventMap.selection = timeline.selection;
  eventMap.draw();
  const n = timeline.selection.size;
  $("delete").disabled = n === 0;
  $("counts").textContent = `${state.view.events.length} events · ${n} selected`;
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
    const row = el("tr", { title: c.doc });
    const value = state.view.space === "controls" ? formatValue(ev.controls[i], "") : ev.controls[i].toFixed(3);
    row.append(el("td", {}, c.name), el("td", { class: "value" }, value), el("td", { class: "unit" }, c.unit));
    return row;
  }));
}

async function focusEvent(index, keepNeighbours = false) {
  state.focus = index;
  showControls(index);
  const version = state.view.version;
  player.once(state.api.eventAudioUrl(index, version));
  try {
    if (!keepNeighbours) {
      const found = await state.api.neighbours(index);
      eventMap.showNeighbours(index, found);
      timeline.neighbours = eventMap.neighbours;
      timeline.refreshClasses();
    }
    await showStages($("stages"), $("stages-of"), state.api, index, version, (url) => player.once(url));
  } catch (e) {
    fail(e);
  }
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
  $("spectrogram").src = state.api.spectrogramUrl(which, which === "original" ? 0 : state.view.version);
}

function describe(r) {
  const n = `${r.indices.length} event${r.indices.length === 1 ? "" : "s"}`;
  if (r.op === "shift") return `moved ${n} by ${r.offset_s.toFixed(3)} s`;
  if (r.op === "transpose") return `transposed ${n} by ${r.semitones > 0 ? "+" : ""}${r.semitones} semitones`;
  if (r.op === "room") return `put ${n} in room ${r.room}`;
  if (r.op === "replace") return `event ${r.indices[0]} replaced by event ${r.source}`;
  return r.op === "delete" ? `deleted ${n}` : `${r.op} on ${n}`;
}

async function edit(request) {
  try {
    const view = await state.api.edit(request);
    player.stop();
    showView(view, view.selected);
    setStatus(`${describe(request)} · ▶ Play to hear the result`);
    return view;
  } catch (e) {
    fail(e);
    timeline.draw();
    return null;
  }
}

// ---- upload, encode, progress ----

function showJob(on, message = "", progress = 0) {
  $("job").hidden = !on;
  $("job-message").textContent = message;
  $("progress").value = progress;
  if (on) document.body.dataset.state = "encoding";
}

function elapsed(since) {
  return `${Math.round((Date.now() - since) / 1000)} s`;
}

async function startFromFile(file) {
  player.stop();
  showJob(true, "uploading", 0);
  setStatus(`uploading ${file.name}…`);
  state.upload = state.api.upload(file, "audio", (f) => { $("progress").value = f; });
  try {
    const info = await state.upload.promise;
    state.source = info;
    await startEncode(info);
  } catch (e) {
    showJob(false);
    fail(e);
  } finally {
    state.upload = null;
  }
}

async function startEncode(info) {
  $("encode").disabled = false;
  const clip = parseFloat($("clip").value);
  const clipS = Number.isFinite(clip) && clip > 0 ? clip : null;
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
  const show = () => showJob(true, `${last.message} ${Math.round(100 * last.progress)}% · ${elapsed(since)}`,
    last.progress);
  const timer = setInterval(show, 1000);
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
        showView(await state.api.events());
        setStatus(`${snap.n_events} events. Click one to hear it; edit, then ▶ Play.`);
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
  try {
    const view = await state.api.upload(file, "evc", () => {}).promise;
    state.source = null;
    $("encode").disabled = true;
    showView(view);
    setStatus(`opened ${file.name}: ${view.events.length} events`);
  } catch (e) {
    fail(e);
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
  $("play-original").addEventListener("click", () => player.play(state.api.audioUrl("original", 0)));
  $("play-events").addEventListener("click", () => player.play(state.api.audioUrl("events", state.view.version)));
  $("stop").addEventListener("click", () => player.stop());
  $("background").addEventListener("change", refreshBackground);
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
      timeline.selection = new Set(indices);
      timeline.refreshClasses();
      syncSelection();
      setStatus(`${indices.length} events match`);
    } catch (err) { fail(err); }
  });
  $("select-none").addEventListener("click", () => { timeline.selection.clear(); timeline.refreshClasses(); syncSelection(); });
  document.addEventListener("keydown", onKey);
  window.addEventListener("pagehide", () => state.api && state.api.close());
}

async function playDecode() {
  setStatus("rendering the decode…");
  await player.play(state.api.audioUrl("decoded", state.view.version));
  if (player.playing) setStatus(`playing the decode of ${state.view.events.length} events`);
}

async function history(which) {
  try {
    player.stop();
    showView(await (which === "undo" ? state.api.undo() : state.api.redo()));
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

async function init() {
  wire();
  try {
    const [session, schema] = await Promise.all([Api.createSession(), Api.schema()]);
    state.api = new Api(session.session_id);
    state.schema = schema;
    $("room").replaceChildren(...schema.rooms.map((name, i) => el("option", { value: String(i) }, `${i}: ${name}`)));
    $("example").hidden = !session.has_example;
    document.body.dataset.state = "idle";
    document.body.dataset.session = "ready";
  } catch (e) {
    fail(e);
  }
}

init();
