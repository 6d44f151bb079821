"""HTTP routes of the studio. Every object is reached through a session's random id, never a path."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.web import edits, layout, media, render, uploads
from eventcodec.web.app import Studio
from eventcodec.web.jobs import FINAL, Job, encode_argv
from eventcodec.web.schemas import (
    AudioInfo,
    ControlView,
    EditRequest,
    EncodeRequest,
    ErrorBody,
    EventsView,
    EventView,
    InstrumentView,
    JobInfo,
    MapView,
    NeighbourView,
    SchemaView,
    Selection,
    SelectRequest,
    SessionInfo,
    SessionState,
    StagesView,
)
from eventcodec.web.security import check_event_count, display_name
from eventcodec.web.sessions import NotFoundError, Session, events_digest

SessionId = Annotated[str, Path(min_length=1, max_length=64, description="id from POST /api/sessions")]
EventIndex = Annotated[int, Path(ge=0, le=10_000_000)]
BINARY = {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
WAV: dict[int | str, dict[str, Any]] = {200: {"content": {"audio/wav": {}}, "description": "16-bit PCM WAV"}}
PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "spectrogram, log frequency, low at the bottom"}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "a Host header not served, or a filter that does not parse"},
    403: {"model": ErrorBody, "description": "a state-changing request from another site's page"},
    404: {"model": ErrorBody, "description": "no such session or object"},
    405: {"model": ErrorBody, "description": "method not allowed on this path (see the Allow header)"},
    411: {"model": ErrorBody, "description": "a chunked body without Content-Length"},
    413: {"model": ErrorBody, "description": "request body over the size limit"},
    422: {"model": ErrorBody, "description": "a request the studio cannot honour (bad value, not audio, too long, "
                                             "too many events)"},
    429: {"model": ErrorBody, "description": "too many encodes waiting"},
    500: {"model": ErrorBody, "description": "a bug in the studio (logged on the server)"},
    503: {"model": ErrorBody, "description": "every session place is in use"},
}
router = APIRouter(prefix="/api", responses=ERRORS)


def studio(request: Request) -> Studio:
    s: Studio = request.app.state.studio
    return s


StudioDep = Annotated[Studio, Depends(studio)]


def _session(st: Studio, sid: str) -> Session:
    return st.sessions.get(sid)


def _events_view(session: Session, selected: list[int] | None = None, note: str = "") -> EventsView:
    ev = session.require_events()
    values = controls.to_physical(ev.vectors) if ev.space == "controls" else ev.vectors.astype(np.float64)
    times_s = ev.times / ev.sample_rate
    centre, pitched, length_s = render.placement(ev)
    labels, infos = session.instruments()
    return EventsView(
        version=session.version, space=ev.space, sample_rate_hz=ev.sample_rate, duration_s=ev.duration_s,
        can_undo=session.pos > 0, can_redo=session.pos < len(session.history) - 1,
        events=[EventView(index=i, time_s=float(times_s[i]), controls=[float(x) for x in row],
                          centre_hz=float(centre[i]), pitched=bool(pitched[i]), length_s=float(length_s[i]),
                          instrument=int(labels[i]))
                for i, row in enumerate(values)],
        instruments=[InstrumentView(index=x.index, n_events=x.n_events, pitched=x.pitched, pitch_range=x.pitch_range,
                                    description=x.description) for x in infos],
        selected=selected or [], note=note,
    )


def _job(st: Studio, sid: str, job_id: str) -> Job:
    _session(st, sid)
    job = st.jobs.get(job_id)
    if job is None or job.session_id != sid:
        raise NotFoundError("no such encode job")
    return job


def _download_name(session: Session, ext: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{session.name}.{ext}"'}


@router.get("/schema", response_model=SchemaView)
def schema() -> SchemaView:
    """The 32 controls (names, units, bounds) and the room names."""
    from eventcodec.edit.ops import N_ROOMS, room_names

    rooms = room_names() or [f"room {i}" for i in range(N_ROOMS)]
    return SchemaView(controls=[ControlView(**row) for row in controls.schema_json()],  # type: ignore[arg-type]
                      rooms=rooms)


@router.post("/sessions", response_model=SessionInfo, status_code=201)
def create_session(st: StudioDep) -> SessionInfo:
    """A new private session; keep its id, every other call needs it."""
    session = st.sessions.create()
    return SessionInfo(session_id=session.id, has_example=st.example is not None,
                       max_upload_bytes=st.limits.max_upload_bytes, max_duration_s=st.limits.max_duration_s)


@router.get("/sessions/{sid}", response_model=SessionState)
def session_state(sid: SessionId, st: StudioDep) -> SessionState:
    """What a session holds, so a reloaded page can carry on where it was."""
    session = _session(st, sid)
    return SessionState(session_id=session.id, has_example=st.example is not None, audio=session.source,
                        n_events=len(session.events or ()), busy=any(j.session_id == sid for j in st.jobs.active()))


@router.delete("/sessions/{sid}", status_code=204)
def delete_session(sid: SessionId, st: StudioDep) -> Response:
    """Forget the session, cancel its encode and delete its files."""
    if not st.sessions.delete(sid):
        raise NotFoundError("no such session")
    return Response(status_code=204)


@router.post("/sessions/{sid}/close", status_code=204)
def close_session(sid: SessionId, st: StudioDep) -> Response:
    """Like DELETE, for clients that can only POST (`navigator.sendBeacon`); unknown ids are ignored."""
    st.sessions.delete(sid)
    return Response(status_code=204)


@router.post("/sessions/{sid}/audio", response_model=AudioInfo,
             openapi_extra={"requestBody": {"required": True, "content": BINARY}})
async def upload_audio(sid: SessionId, request: Request, st: StudioDep,
                       filename: Annotated[str, Query(max_length=255)] = "audio",
                       clip_s: Annotated[float | None, Query(gt=0.0, le=3600.0)] = None) -> AudioInfo:
    """Upload audio as the raw request body; its content decides the format, not its name.

    With `clip_s`, a file longer than the duration limit is accepted when only its first `clip_s`
    seconds are to be encoded (and `clip_s` is within the limit).
    """
    session = _session(st, sid)
    st.jobs.cancel_session(sid)  # a new file replaces the old one's encode, even if it is then refused
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > st.limits.max_upload_bytes:
        raise uploads.TooLargeError(f"upload too large: the limit is {st.limits.max_upload_bytes // 2**20} MiB")
    path, head = await uploads.receive_to_file(request.stream(), session.folder, st.limits.max_upload_bytes)
    try:
        found = await run_in_threadpool(uploads.probe, path, head, st.limits, clip_s)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return _adopt(st, session, path, found, filename)


def _adopt(st: Studio, session: Session, path: FilePath, found: uploads.Probe, filename: str) -> AudioInfo:
    st.jobs.cancel_session(session.id)
    info = AudioInfo(name=display_name(filename), format=found.format, duration_s=found.duration_s,
                     sample_rate_hz=found.sample_rate_hz, channels=found.channels)
    with session.lock:
        session.audio_path = uploads.adopt(path, session.folder, found.format)
        session.name, session.source = info.name, info
        session.duration_s = found.duration_s
        session.cache.clear()
    return info


@router.post("/sessions/{sid}/example", response_model=AudioInfo)
def use_example(sid: SessionId, st: StudioDep) -> AudioInfo:
    """Use the shipped example clip as this session's audio."""
    session = _session(st, sid)
    if st.example is None:
        raise NotFoundError("this installation has no example clip")
    copy = session.folder / "example.part"
    shutil.copyfile(st.example, copy)
    head = copy.read_bytes()[: uploads.SNIFF_BYTES]
    try:
        found = uploads.probe(copy, head, st.limits)
    except BaseException:
        copy.unlink(missing_ok=True)
        raise
    return _adopt(st, session, copy, found, st.example.name)


@router.post("/sessions/{sid}/evc", response_model=EventsView,
             openapi_extra={"requestBody": {"required": True, "content": BINARY}})
async def open_evc(sid: SessionId, request: Request, st: StudioDep,
                   filename: Annotated[str, Query(max_length=255)] = "events") -> EventsView:
    """Open an existing .evc file (raw body) for editing; it is parsed like any untrusted file."""
    session = _session(st, sid)
    path, _ = await uploads.receive_to_file(request.stream(), session.folder, st.limits.max_upload_bytes,
                                            empty="empty file: choose an .evc file that eventcodec wrote")
    try:
        events = await run_in_threadpool(EventSet.from_bytes, path.read_bytes())
    finally:
        path.unlink(missing_ok=True)
    if events.duration_s > st.limits.max_duration_s:
        raise EventCodecError(f"events too long: {events.duration_s:.1f} s, the limit is "
                              f"{st.limits.max_duration_s:g} s")
    check_event_count(st.limits, events)
    st.jobs.cancel_session(sid)
    with session.lock:
        session.name = display_name(filename)
        session.audio_path, session.source, session.duration_s = None, None, events.duration_s
        session.cache.clear()
        session.reset(events)
        return _events_view(session)


@router.post("/sessions/{sid}/encode", response_model=JobInfo, status_code=202)
def start_encode(sid: SessionId, body: EncodeRequest, st: StudioDep) -> JobInfo:
    """Start encoding the session's audio; follow it at .../jobs/{job_id}/events."""
    session = _session(st, sid)
    if session.audio_path is None:
        raise EventCodecError("upload audio (or pick the example) before encoding")
    seconds = min(body.clip_s or session.duration_s, session.duration_s)
    if seconds > st.limits.max_duration_s:
        raise EventCodecError(f"audio too long: {session.duration_s:.1f} s, the limit is "
                              f"{st.limits.max_duration_s:g} s; encode only its first seconds ('first ... s')")
    out = session.folder / f"encode-{body.quality}.evc"
    argv = encode_argv(session.audio_path, out, st.encoder, body.quality, body.clip_s, st.limits.encode_threads)
    job = st.jobs.submit(sid, argv, out)
    return JobInfo(**job.snapshot())  # type: ignore[arg-type]


@router.get("/sessions/{sid}/jobs/{job_id}", response_model=JobInfo)
def job_status(sid: SessionId, job_id: Annotated[str, Path(max_length=64)], st: StudioDep) -> JobInfo:
    """An encode's state and progress (for clients that do not use the event stream)."""
    job = _job(st, sid, job_id)
    st.jobs.watch(job, 0)
    return JobInfo(**job.snapshot())  # type: ignore[arg-type]


@router.delete("/sessions/{sid}/jobs/{job_id}", response_model=JobInfo)
def cancel_job(sid: SessionId, job_id: Annotated[str, Path(max_length=64)], st: StudioDep) -> JobInfo:
    """Cancel an encode (its process is killed at once)."""
    job = _job(st, sid, job_id)
    st.jobs.cancel(job, wait_s=5.0)
    return JobInfo(**job.snapshot())  # type: ignore[arg-type]


@router.get("/sessions/{sid}/jobs/{job_id}/events", responses={
    200: {"content": {"text/event-stream": {}}, "description": "server-sent `progress` events"}})
async def job_events(sid: SessionId, job_id: Annotated[str, Path(max_length=64)], request: Request,
                     st: StudioDep) -> StreamingResponse:
    """Server-sent events with the job's progress until it finishes; closing it unfollows the job."""
    job = _job(st, sid, job_id)

    async def stream() -> AsyncIterator[str]:
        st.jobs.watch(job, +1)
        try:
            last: dict[str, object] | None = None
            idle = 0
            while True:
                snap = job.snapshot()
                if snap != last or idle >= 50:
                    yield f"event: progress\ndata: {json.dumps(snap)}\n\n"
                    last, idle = snap, 0
                if job.state in FINAL or await request.is_disconnected():
                    return
                idle += 1
                await asyncio.sleep(0.2)
        finally:
            st.jobs.watch(job, -1)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"})


@router.get("/sessions/{sid}/events", response_model=EventsView)
def get_events(sid: SessionId, st: StudioDep) -> EventsView:
    """The current events with their controls in physical units."""
    return _events_view(_session(st, sid))


@router.post("/sessions/{sid}/edit", response_model=EventsView)
def apply_edit(sid: SessionId, body: EditRequest, st: StudioDep) -> EventsView:
    """Apply one edit (undoable); `selected` gives the edited events' new indices, `note` what was left alone.

    An edit that changes nothing (a delete of no events) adds no undo step.
    """
    session = _session(st, sid)
    with session.lock:
        if body.op == "delete" and not body.indices:
            return _events_view(session)
        done = edits.apply_edit(session.require_events(), body)
        if done.events.duration_s > st.limits.max_duration_s + 60:
            raise EventCodecError("that edit would make the piece too long")
        session.push(done.events, done.origin)
        return _events_view(session, done.selected, done.note)


@router.post("/sessions/{sid}/select", response_model=Selection)
def select(sid: SessionId, body: SelectRequest, st: StudioDep) -> Selection:
    """Indices of the events matching a filter expression (see docs/editing.md)."""
    from eventcodec.edit import evaluate
    from eventcodec.edit.expr import names_in

    session = _session(st, sid)
    with session.lock:  # labels of the same version as the events
        events = session.require_events()
        labels = session.instruments()[0] if "instrument" in names_in(body.expression) else None
    mask = evaluate(body.expression, events, labels)
    return Selection(indices=[int(i) for i in np.flatnonzero(mask)])


@router.post("/sessions/{sid}/undo", response_model=EventsView)
def undo(sid: SessionId, st: StudioDep) -> EventsView:
    session = _session(st, sid)
    session.undo()
    return _events_view(session)


@router.post("/sessions/{sid}/redo", response_model=EventsView)
def redo(sid: SessionId, st: StudioDep) -> EventsView:
    session = _session(st, sid)
    session.redo()
    return _events_view(session)


Source = Literal["original", "decoded", "events"]


def _source(session: Session, which: Source) -> tuple[tuple[str, ...], Callable[[], Any], bool]:
    """Cache key, producer and per-version flag of the original, the decoded audio or the events alone.

    Keys name the content (the upload's file name, or the digest of the events), so a render of one
    state is never stored as another's even when an edit lands while it runs.
    """
    if which == "original":
        if session.audio_path is None:
            raise NotFoundError("this session has no uploaded audio")
        path = session.audio_path
        # cut to the events' span ("first N s"), so the background and the events share one time axis
        n = round(session.events.duration_s * render.RATE_HZ) if session.events is not None else None
        return ("original", str(path), str(n)), lambda: render.original(path, n), False
    events = session.require_events()
    if which == "events":  # without the noise texture: what the events alone sound like
        return ("events", events_digest(events)), lambda: render.decoded(events, texture=False), True
    return ("decoded", events_digest(events)), lambda: render.decoded(events), True


def _derived(session: Session, which: Source, kind: str,
             encode: Callable[[np.ndarray], bytes]) -> bytes:
    key, make, per_version = _source(session, which)

    def build() -> bytes:
        return encode(np.asarray(session.cached(key, make, per_version)))

    data: bytes = session.cached((kind, *key), build, per_version)
    return data


def _wav(audio: np.ndarray) -> bytes:
    return media.wav_bytes(audio, 22050)


def _png(audio: np.ndarray) -> bytes:
    return media.png_bytes(media.spectrogram_image(audio, 22050))


@router.get("/sessions/{sid}/audio/{which}", response_class=Response, responses=WAV)
def audio(sid: SessionId, which: Source, st: StudioDep) -> Response:
    """The uploaded audio (mono, 22050 Hz), the decode of the current events, or the events alone, as WAV."""
    return Response(_derived(_session(st, sid), which, "wav", _wav), media_type="audio/wav")


@router.get("/sessions/{sid}/spectrogram/{which}", response_class=Response, responses=PNG)
def spectrogram(sid: SessionId, which: Source, st: StudioDep) -> Response:
    """Spectrogram of the original, the decoded audio or the events alone (hop 256, log frequency 27.5 Hz..Nyquist)."""
    return Response(_derived(_session(st, sid), which, "png", _png), media_type="image/png")


@router.get("/sessions/{sid}/events/{index}/audio", response_class=Response, responses=WAV)
def event_audio(sid: SessionId, index: EventIndex, st: StudioDep) -> Response:
    """One event alone, from its onset, as WAV."""
    session = _session(st, sid)
    events = session.require_events()
    data = session.cached(("event", index, events_digest(events)),
                          lambda: media.wav_bytes(render.single_event(events, index), events.sample_rate))
    return Response(data, media_type="audio/wav")


@router.get("/sessions/{sid}/events/{index}/stages", response_model=StagesView)
def event_stages(sid: SessionId, index: EventIndex, st: StudioDep) -> StagesView:
    """Names of the decoder stages of one event (Fig. 5), in signal order."""
    session = _session(st, sid)
    return StagesView(stages=list(_stages(session, index)))


def _stages(session: Session, index: int) -> dict[str, np.ndarray]:
    events = session.require_events()
    out: dict[str, np.ndarray] = session.cached(("stages", index, events_digest(events)),
                                                lambda: render.stages(events, index))
    return out


@router.get("/sessions/{sid}/events/{index}/stages/{stage}/{kind}", response_class=Response,
            responses={200: {"content": {"audio/wav": {}, "image/png": {}}, "description": "WAV or PNG"}})
def stage_media(sid: SessionId, index: EventIndex, stage: Annotated[str, Path(max_length=32)],
                kind: Literal["audio", "spectrogram"], st: StudioDep) -> Response:
    """One stage of one event as audio (WAV) or a spectrogram (PNG)."""
    session = _session(st, sid)
    all_stages = _stages(session, index)
    if stage not in all_stages:
        raise NotFoundError(f"no stage {stage!r}; stages: {', '.join(all_stages)}")
    x = all_stages[stage]
    if kind == "audio":
        return Response(media.wav_bytes(x, 22050), media_type="audio/wav")
    return Response(media.png_bytes(media.spectrogram_image(x, 22050)), media_type="image/png")


@router.get("/sessions/{sid}/map", response_model=MapView)
def event_map(sid: SessionId, st: StudioDep) -> MapView:
    """2-D t-SNE of the events (Fig. 4): near points are near by the neighbour distance.

    Computed once per encode or opened file (t-SNE of at most 1,000 events); after an edit each event
    keeps its point and deleted ones drop out.
    """
    session = _session(st, sid)
    with session.lock:
        events, xy = session.require_events(), session.layout
    if xy is None:
        xy = layout.event_map(events)
        session.set_layout(events, xy)
    return MapView(points=[[float(a), float(b)] for a, b in np.asarray(xy)])


@router.get("/sessions/{sid}/events/{index}/neighbours", response_model=list[NeighbourView])
def neighbours(sid: SessionId, index: EventIndex, st: StudioDep,
               k: Annotated[int, Query(ge=1, le=50)] = 6) -> list[NeighbourView]:
    """The k nearest events to event `index` (itself first)."""
    from eventcodec.edit import nearest

    events = _session(st, sid).require_events()
    found = nearest([("session", events)], 0, index, k)
    return [NeighbourView(index=n.event_index, time_s=n.time_s, distance=n.distance) for n in found]


@router.get("/sessions/{sid}/download/{kind}", response_class=Response, responses={
    200: {"content": {"application/octet-stream": {}, "audio/wav": {}, "text/csv": {}, "audio/midi": {}},
          "description": "the file, as an attachment"}})
def download(sid: SessionId, kind: Literal["evc", "wav", "csv", "mid"], st: StudioDep) -> Response:
    """The current events as .evc, their decode as .wav, or their export as CSV or MIDI."""
    session = _session(st, sid)
    events = session.require_events()
    headers = _download_name(session, kind)
    if kind == "evc":
        return Response(events.to_bytes(), media_type="application/octet-stream", headers=headers)
    if kind == "wav":
        return Response(_derived(session, "decoded", "wav", _wav), media_type="audio/wav", headers=headers)
    if kind == "csv":
        from eventcodec.export.csv import to_csv_text

        return Response(to_csv_text(events), media_type="text/csv", headers=headers)
    from eventcodec.export.midi import to_midi

    buf = io.BytesIO()
    to_midi(events).save(file=buf)  # type: ignore[attr-defined]
    return Response(buf.getvalue(), media_type="audio/midi", headers=headers)
