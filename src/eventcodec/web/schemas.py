"""Request and response bodies of the studio API (they make its OpenAPI schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_INDICES = 100_000
Quality = Literal["fast", "default", "best"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(Strict):
    detail: str = Field(description="one line saying what went wrong and what to do")


class SessionInfo(Strict):
    session_id: str
    has_example: bool
    max_upload_bytes: int
    max_duration_s: float


class AudioInfo(Strict):
    name: str
    format: str
    duration_s: float
    sample_rate_hz: int
    channels: int


class SessionState(Strict):
    session_id: str
    has_example: bool
    audio: AudioInfo | None = Field(description="the uploaded audio, if any")
    n_events: int = Field(description="events of the current state (0 before an encode)")
    busy: bool = Field(description="an encode is queued or running")


class EncodeRequest(Strict):
    quality: Quality = "fast"
    clip_s: float | None = Field(default=None, gt=0.0, le=3600.0, description="encode only the first clip_s seconds")


class JobInfo(Strict):
    job_id: str
    state: Literal["queued", "running", "done", "failed", "cancelled"]
    progress: float = Field(ge=0.0, le=1.0)
    message: str
    error: str
    n_events: int


class EventView(Strict):
    index: int
    time_s: float
    controls: list[float] = Field(description="physical values in the order of /api/schema (controls space)")
    centre_hz: float = Field(description="height on the timeline: f0 of tonal events, noise band centre otherwise")
    pitched: bool
    length_s: float = Field(description="audible length from the onset")
    instrument: int = Field(default=0, description="instrument label (events grouped by timbre; docs/editing.md)")


class InstrumentView(Strict):
    index: int
    n_events: int
    pitched: bool
    pitch_range: str = Field(description="lowest-highest note name, '' for unpitched instruments")
    description: str = Field(description="a few words from the instrument's median controls")


class EventsView(Strict):
    version: int
    space: Literal["controls", "latent"]
    sample_rate_hz: int
    duration_s: float
    can_undo: bool
    can_redo: bool
    events: list[EventView]
    instruments: list[InstrumentView] = Field(default_factory=list, description="the instruments present, by "
                                              "label; numbered on the encode or opened file, kept through edits")
    selected: list[int] = Field(default_factory=list, description="indices of the events an edit touched")
    note: str = Field(default="", description="what the edit left alone and why (e.g. unpitched events)")


class ControlView(Strict):
    name: str
    unit: str
    min: float
    max: float
    scale: Literal["lin", "log"]
    default: float
    doc: str


class SchemaView(Strict):
    controls: list[ControlView]
    rooms: list[str]


class EditRequest(Strict):
    """One edit of the current events.

    ops: `delete` (indices), `shift` (indices, offset_s), `transpose` (indices, semitones),
    `room` (indices, room, optional wet), `set` (indices, control, value), `replace` (indices = [target],
    source = index of the event whose vector replaces the target's).
    """

    op: Literal["delete", "shift", "transpose", "room", "set", "replace"]
    indices: list[int] = Field(max_length=MAX_INDICES)
    offset_s: float = Field(default=0.0, ge=-3600.0, le=3600.0)
    semitones: float = Field(default=0.0, ge=-48.0, le=48.0)
    room: int = Field(default=0, ge=0, le=7)
    wet: float | None = Field(default=None, ge=0.0, le=1.0)
    control: str = Field(default="amp_db", max_length=64)
    value: float = Field(default=0.0, ge=-1e6, le=1e6)
    source: int = Field(default=0, ge=0)


class SelectRequest(Strict):
    expression: str = Field(max_length=500, description="filter expression, e.g. `f0_hz < 200 and t > 1`")


class Selection(Strict):
    indices: list[int]


class MapView(Strict):
    points: list[list[float]] = Field(description="(n_events, 2) t-SNE coordinates in [0, 1]")


class NeighbourView(Strict):
    index: int
    time_s: float
    distance: float


class StagesView(Strict):
    stages: list[str]
