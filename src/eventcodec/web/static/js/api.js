// Thin client of the studio HTTP API. Every call is scoped to one session id.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function check(response) {
  if (response.ok) return response;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.detail) message = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch (_) { /* not JSON */ }
  throw new ApiError(response.status, message);
}

async function json(method, url, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  return (await check(await fetch(url, init))).json();
}

export class Api {
  constructor(sessionId) {
    this.sid = sessionId;
    this.base = `/api/sessions/${encodeURIComponent(sessionId)}`;
  }

  static async createSession() {
    return json("POST", "/api/sessions");
  }

  // The state of an existing session (a reloaded page carries on with it); null when it is gone.
  static async sessionState(sessionId) {
    try {
      return await json("GET", `/api/sessions/${encodeURIComponent(sessionId)}`);
    } catch (e) {
      if (e.status === 404 || e.status === 422) return null;
      throw e;
    }
  }

  static async schema() {
    return json("GET", "/api/schema");
  }

  url(path) {
    return `${this.base}/${path}`;
  }

  // Upload a File as the raw body with upload progress; returns {promise, abort}.
  upload(file, path, onProgress, clipS = null) {
    const xhr = new XMLHttpRequest();
    const clip = clipS ? `&clip_s=${clipS}` : "";
    const promise = new Promise((resolve, reject) => {
      xhr.open("POST", this.url(`${path}?filename=${encodeURIComponent(file.name)}${clip}`));
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
      xhr.onload = () => {
        let body = null;
        try { body = JSON.parse(xhr.responseText); } catch (_) { /* not JSON */ }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body);
        else reject(new ApiError(xhr.status, (body && body.detail) || `upload failed (${xhr.status})`));
      };
      xhr.onerror = () => reject(new ApiError(0, "upload failed: network error"));
      xhr.onabort = () => reject(new ApiError(0, "upload cancelled"));
      xhr.send(file);
    });
    return { promise, abort: () => xhr.abort() };
  }

  example() { return json("POST", this.url("example")); }
  encode(quality, clipS) { return json("POST", this.url("encode"), { quality, clip_s: clipS }); }
  cancelJob(jobId) { return json("DELETE", this.url(`jobs/${jobId}`)); }
  jobEventsUrl(jobId) { return this.url(`jobs/${jobId}/events`); }
  events() { return json("GET", this.url("events")); }
  edit(request) { return json("POST", this.url("edit"), request); }
  select(expression) { return json("POST", this.url("select"), { expression }); }
  undo() { return json("POST", this.url("undo")); }
  redo() { return json("POST", this.url("redo")); }
  map() { return json("GET", this.url("map")); }
  neighbours(index, k = 6) { return json("GET", this.url(`events/${index}/neighbours?k=${k}`)); }
  stages(index) { return json("GET", this.url(`events/${index}/stages`)); }
  stageUrl(index, stage, kind, version) {
    return this.url(`events/${index}/stages/${encodeURIComponent(stage)}/${kind}?v=${version}`);
  }
  eventAudioUrl(index, version) { return this.url(`events/${index}/audio?v=${version}`); }
  audioUrl(which, version) { return this.url(`audio/${which}?v=${version}`); }
  spectrogramUrl(which, version) { return this.url(`spectrogram/${which}?v=${version}`); }
  downloadUrl(kind) { return this.url(`download/${kind}`); }
}
