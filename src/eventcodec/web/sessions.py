"""Studio sessions: one private temp folder, the uploaded audio and an undoable EventSet history each.

A session is found only by its random id; no string from a request ever becomes part of a path.
Files live under one server-wide temporary root that is removed on shutdown.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.web.security import Limits, is_id, new_id

MAX_HISTORY = 200
MAX_KEPT = 16  # version-independent cache entries (original audio, maps) kept per session
MAX_PER_VERSION = 24  # entries of the current version (renders, one event's stages: ~3 MB each) kept per session


def release_freed_memory() -> None:
    """Hand freed heap memory back to the OS (glibc `malloc_trim`; nothing elsewhere).

    The CLI keeps up to 256 MB of freed memory for reuse (`eventcodec.allocator`); a server whose sessions
    went should not hold on to it.
    """
    import contextlib
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


def events_digest(events: EventSet) -> str:
    """Short hash of what an EventSet renders to (times, vectors, texture, length, rate, space): a cache key."""
    h = hashlib.sha256(events.times.tobytes())
    h.update(events.vectors.tobytes())
    texture = events.texture
    h.update(b"no texture" if texture is None else texture.codes.tobytes() + texture.mask.tobytes())
    h.update(f"{events.n_samples}/{events.sample_rate}/{events.space}/{events.model_hash}".encode())
    return h.hexdigest()[:32]


class NotFoundError(EventCodecError):
    """No live session or object with that id (expired, deleted, or never existed)."""


class FullError(EventCodecError):
    """Every session place is taken by a session in use (HTTP 503)."""


@dataclass
class Session:
    """One user's workspace.

    Attributes:
        id: random capability id.
        folder: private temp folder holding this session's files.
        name: display name of the uploaded audio (never a path).
        audio_path: the uploaded audio, saved under a server-chosen name.
        duration_s: length of the uploaded audio.
        history: EventSets, oldest first; `pos` indexes the current one.
        layouts: the event map of each history entry, (n_events, 2) in [0, 1], or None until asked for.
        cache: derived bytes (renders, images) keyed by (kind, version, ...).
        first: the event set of the last encode or opened file; its instruments number every later version.
    """

    id: str
    folder: Path
    name: str = "audio"
    audio_path: Path | None = None
    duration_s: float = 0.0
    source: Any = None  # the upload's AudioInfo, for a page that reloads
    history: list[EventSet] = field(default_factory=list)
    layouts: list[np.ndarray | None] = field(default_factory=list)
    pos: int = -1
    version: int = 0
    last_used: float = field(default_factory=time.monotonic)
    cache: dict[tuple[Any, ...], Any] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    first: EventSet | None = None
    bank: Any = None  # `edit.instruments.Bank` fitted on `first`, once asked for

    @property
    def events(self) -> EventSet | None:
        return self.history[self.pos] if self.pos >= 0 else None

    def require_events(self) -> EventSet:
        """The current EventSet; NotFoundError before the first encode finished."""
        ev = self.events
        if ev is None:
            raise NotFoundError("this session has no events yet: upload audio and encode it first")
        return ev

    def push(self, events: EventSet, origin: np.ndarray | None = None) -> None:
        """Make `events` current; drops the redo branch and the cache of older versions.

        Args:
            events: the edited set.
            origin: (n_new,) index in the current set of each new event; given, the event map keeps
                each point where it was (no new t-SNE after an edit).
        """
        with self.lock:
            old = self.layout
            layout = old[origin] if old is not None and origin is not None else None
            del self.history[self.pos + 1 :]
            del self.layouts[self.pos + 1 :]
            self.history.append(events)
            self.layouts.append(layout)
            if len(self.history) > MAX_HISTORY:
                del self.history[0], self.layouts[0]
            self.pos = len(self.history) - 1
            self._bump()

    def reset(self, events: EventSet) -> None:
        """Start a fresh history (a new encode)."""
        with self.lock:
            self.history, self.layouts, self.pos = [events], [None], 0
            self.first, self.bank = events, None
            self._bump()

    @property
    def layout(self) -> np.ndarray | None:
        """The event map of the current entry, if computed."""
        return self.layouts[self.pos] if self.pos >= 0 else None

    def set_layout(self, events: EventSet, xy: np.ndarray) -> None:
        """Store a map computed for `events` (ignored if an edit made another set current meanwhile)."""
        with self.lock:
            if self.pos >= 0 and self.history[self.pos] is events:
                self.layouts[self.pos] = xy

    def instruments(self) -> tuple[np.ndarray, list[Any]]:
        """Instrument label (n_events,) of each current event and `InstrumentInfo`s of those present.

        The bank is fitted once on `first` (as `eventcodec edit` fits it on its input), so an edit never
        renumbers the instruments; labels and descriptions are computed once per version.
        """
        from eventcodec.edit.instruments import assign, describe, fit_bank

        with self.lock:  # fast (a few ms; the first fit about 0.1 s per 1000 events): done under the lock
            events = self.require_events()
            if self.bank is None:
                self.bank = fit_bank(self.first if self.first is not None else events)
            bank = self.bank

            def make() -> tuple[np.ndarray, list[Any]]:
                labels = assign(events, bank)
                return labels, describe(events, labels)

            found: tuple[np.ndarray, list[Any]] = self.cached(("instruments",), make)
            return found

    def undo(self) -> bool:
        with self.lock:
            if self.pos <= 0:
                return False
            self.pos -= 1
            self._bump()
            return True

    def redo(self) -> bool:
        with self.lock:
            if self.pos >= len(self.history) - 1:
                return False
            self.pos += 1
            self._bump()
            return True

    def cached(self, key: tuple[Any, ...], make: Callable[[], Any], per_version: bool = True) -> Any:
        """Memoise a derived object: of the current version, or (per_version False) for as long as the
        session lives, for objects whose key already names their content.

        `make` runs without the session lock, so a long render does not stall other requests; two
        concurrent misses may both compute, and the first result is kept.
        """
        with self.lock:
            full = (*key, self.version) if per_version else (*key, "kept")
            if full in self.cache:
                return self.cache[full]
        value = make()
        with self.lock:
            if full[-1] == "kept" or full[-1] == self.version:
                value = self.cache.setdefault(full, value)
            kept = full[-1] == "kept"
            same = [k for k in self.cache if (k[-1] == "kept") == kept]  # oldest first (dicts keep order)
            for old in same[: max(0, len(same) - (MAX_KEPT if kept else MAX_PER_VERSION))]:
                del self.cache[old]
            return value

    def _bump(self) -> None:
        self.version += 1
        self.cache = {k: v for k, v in self.cache.items() if k[-1] == "kept"}

class SessionStore:
    """All live sessions of one server, with expiry and a bound on their number."""

    def __init__(self, limits: Limits, on_delete: Callable[[str], None] | None = None) -> None:
        self.limits = limits
        # created on the first session, so an idle app leaves nothing behind
        self.root = Path(tempfile.gettempdir()) / f"eventcodec-studio-{new_id()}"
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self._on_delete = on_delete

    def create(self, now: float | None = None) -> Session:
        """A new empty session; when `max_sessions` are live, it takes the place of the least recently used
        one idle for `evict_idle_s` (a session in use is never pushed out).

        Raises:
            FullError: every place is taken by a session used within `evict_idle_s`.
        """
        now = time.monotonic() if now is None else now
        self.sweep(now)
        with self._lock:
            if len(self._sessions) >= self.limits.max_sessions:
                oldest = min(self._sessions.values(), key=lambda s: s.last_used)
                if now - oldest.last_used < self.limits.evict_idle_s:
                    raise FullError(f"the studio already holds {len(self._sessions)} sessions in use: "
                                    "close a studio tab or try again in a few minutes")
                victim: str | None = oldest.id
            else:
                victim = None
            sid = new_id()
            self.root.mkdir(mode=0o700, exist_ok=True)  # again after close(): the store stays usable
            folder = self.root / sid
            folder.mkdir(mode=0o700)
            session = Session(id=sid, folder=folder, last_used=now)
            self._sessions[sid] = session
        if victim is not None:
            self.delete(victim)
        return session

    def get(self, sid: str) -> Session:
        """The live session with id `sid`; NotFoundError otherwise."""
        with self._lock:
            session = self._sessions.get(sid) if is_id(sid) else None
        if session is None:
            raise NotFoundError("no such session (it may have expired): reload the page")
        session.last_used = time.monotonic()
        return session

    def delete(self, sid: str) -> bool:
        """Forget a session and remove its folder; False if it did not exist."""
        with self._lock:
            session = self._sessions.pop(sid, None)
        if session is None:
            return False
        if self._on_delete:
            self._on_delete(sid)
        shutil.rmtree(session.folder, ignore_errors=True)
        session.history.clear()
        session.cache.clear()
        release_freed_memory()
        return True

    def sweep(self, now: float | None = None) -> int:
        """Delete sessions idle longer than the TTL and return freed memory to the OS; returns how many went."""
        now = time.monotonic() if now is None else now
        with self._lock:
            old = [s.id for s in self._sessions.values() if now - s.last_used > self.limits.session_ttl_s]
        gone = sum(self.delete(sid) for sid in old)
        release_freed_memory()  # renders' freed buffers, kept by the CLI's allocator settings
        return gone

    def __len__(self) -> int:
        return len(self._sessions)

    def close(self) -> None:
        """Delete every session and the temp root (server shutdown)."""
        for sid in list(self._sessions):
            self.delete(sid)
        shutil.rmtree(self.root, ignore_errors=True)
