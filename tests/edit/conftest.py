"""Fixtures for the edit tests: hand-built event sets and the example clip encoded once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eventcodec import controls
from eventcodec.types import SAMPLE_RATE, EventSet

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "traveling_minstrels_8s.flac"
REAL_SECONDS = 4.0

Builder = Callable[..., EventSet]


def build_events(rows: list[dict[str, float]], times_s: list[float], duration_s: float = 4.0) -> EventSet:
    """An EventSet whose events have the defaults overridden by `rows` (physical units)."""
    phys = np.tile(controls.to_physical(controls.default_unit_vector()), (len(rows), 1))
    for i, row in enumerate(rows):
        for name, value in row.items():
            phys[i, controls.index_of(name)] = value
    times = np.round(np.asarray(times_s) * SAMPLE_RATE).astype(np.int64)
    return EventSet(times, controls.to_unit(phys), n_samples=round(duration_s * SAMPLE_RATE))


@pytest.fixture
def build() -> Builder:
    return build_events


@pytest.fixture
def mixed() -> EventSet:
    """Six events: a bass note, two mid notes, a hi-hat, a kick glide and a bell."""
    return build_events(
        [
            {"f0_hz": 55.0, "amp_db": -12.0, "tonal_mix": 0.9, "decay_s": 1.0},
            {"f0_hz": 220.0, "amp_db": -20.0, "tonal_mix": 0.9, "decay_s": 0.8},
            {"f0_hz": 330.0, "amp_db": -25.0, "tonal_mix": 0.8, "decay_s": 0.5},
            {"f0_hz": 3000.0, "amp_db": -30.0, "tonal_mix": 0.05, "decay_s": 0.05, "noise_highpass_hz": 6000.0},
            {"f0_hz": 120.0, "amp_db": -10.0, "tonal_mix": 0.8, "morph_amount": 1.0, "morph_f0_ratio": 0.4},
            {"f0_hz": 880.0, "amp_db": -28.0, "tonal_mix": 0.9, "inharmonicity": 0.05, "decay_s": 3.0},
        ],
        [0.0, 0.5, 1.0, 1.25, 2.0, 3.0],
    )


@pytest.fixture(scope="session")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The first 4 s of the example clip and its events from the real encoder (quality "fast", no texture:
    these tests check what edits do to the events; the noise texture, which edits leave alone, is tested
    in tests/texture).

    Encoded once per test session: pytest-xdist workers share the .evc through the session's
    temporary folder (under a file lock), so the events are the ones a file holds.
    """
    from filelock import FileLock  # a dependency of torch

    from eventcodec.audio import load
    from eventcodec.codec import encode
    from eventcodec.encode import EncodeOptions, available

    if "abs" not in available():
        pytest.skip("the analysis-by-synthesis encoder is not registered")
    audio, _ = load(EXAMPLE)
    audio = audio[: round(REAL_SECONDS * SAMPLE_RATE)]
    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every xdist worker
    path = shared / "edit_real_fast_4s.evc"
    with FileLock(str(path) + ".lock"):
        if not path.exists():
            events = encode(audio, SAMPLE_RATE, "abs", EncodeOptions(quality="fast", texture=False))
            path.write_bytes(events.to_bytes())
    return {"audio": audio, "events": EventSet.from_bytes(path.read_bytes())}


@pytest.fixture(scope="session")
def real_decoded(real: dict[str, Any]) -> np.ndarray:
    """The decoded audio of the real events (rendered once per session)."""
    from eventcodec.codec import decode

    return decode(real["events"])
