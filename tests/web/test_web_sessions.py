"""Session history (undo/redo) and its cache of derived objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eventcodec.types import EventSet
from eventcodec.web.sessions import MAX_HISTORY, MAX_KEPT, MAX_PER_VERSION, Session


def _set(n: int) -> EventSet:
    return EventSet(np.arange(n), np.full((n, 32), 0.5, np.float32), n_samples=100)


def test_undo_redo_and_a_new_edit_drops_the_redo_branch(tmp_path: Path) -> None:
    s = Session(id="x", folder=tmp_path)
    s.reset(_set(3))
    s.push(_set(2))
    s.push(_set(1))
    assert s.undo() and s.undo() and not s.undo()
    assert len(s.require_events()) == 3
    assert s.redo() and len(s.require_events()) == 2
    s.push(_set(5))
    assert not s.redo() and len(s.history) == 3


def test_history_is_bounded(tmp_path: Path) -> None:
    s = Session(id="x", folder=tmp_path)
    s.reset(_set(1))
    for _ in range(MAX_HISTORY + 10):
        s.push(_set(1))
    assert len(s.history) == MAX_HISTORY and s.pos == MAX_HISTORY - 1


def test_cache_follows_versions_and_keeps_content_keys(tmp_path: Path) -> None:
    s = Session(id="x", folder=tmp_path)
    s.reset(_set(2))
    calls: list[str] = []

    def make(tag: str) -> str:
        calls.append(tag)
        return tag

    assert s.cached(("render",), lambda: make("a")) == "a"
    assert s.cached(("render",), lambda: make("b")) == "a"  # same version: memoised
    assert s.cached(("map", "digest"), lambda: make("m"), per_version=False) == "m"
    s.push(_set(1))
    assert s.cached(("render",), lambda: make("c")) == "c"  # a new version renders again
    assert s.cached(("map", "digest"), lambda: make("n"), per_version=False) == "m"
    assert calls == ["a", "m", "c"]
    for i in range(MAX_KEPT + 3):
        s.cached(("map", str(i)), lambda: "x", per_version=False)
    assert sum(k[-1] == "kept" for k in s.cache) == MAX_KEPT


def test_cache_of_one_version_is_bounded(tmp_path: Path) -> None:
    """Inspecting many events without editing must not pile up their stages (~3 MB each)."""
    s = Session(id="x", folder=tmp_path)
    s.reset(_set(2))
    for i in range(MAX_PER_VERSION + 10):
        s.cached(("stages", i), lambda: np.zeros(10))
    assert sum(k[-1] != "kept" for k in s.cache) == MAX_PER_VERSION
    assert ("stages", MAX_PER_VERSION + 9, s.version) in s.cache  # the newest stay


def test_layouts_follow_edits_undo_and_redo(tmp_path: Path) -> None:
    s = Session(id="x", folder=tmp_path)
    s.reset(_set(3))
    xy = np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]])
    s.set_layout(s.require_events(), xy)
    s.push(_set(2), origin=np.array([2, 0]))
    assert s.layout is not None and s.layout.tolist() == [[1.0, 1.0], [0.0, 0.0]]
    s.push(_set(2))  # no origin: the map is computed again when asked
    assert s.layout is None
    s.undo()
    s.undo()
    assert s.layout is xy
