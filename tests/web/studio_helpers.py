"""Shared values of the studio tests, in a module of its own name: `from conftest import ...` would find
whichever conftest.py pytest loaded last when several test folders are collected together."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eventcodec import controls
from eventcodec.types import EventSet
from eventcodec.web.security import Limits

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
TEST_LIMITS = Limits(max_upload_bytes=2 * 2**20, max_duration_s=12.0, unwatched_grace_s=2.0)


def short_events(n: int = 6, seconds: float = 1.0, seed: int = 0) -> EventSet:
    """`n` quick, dry, pitched events (fast to render) spread over `seconds`."""
    rng = np.random.default_rng(seed)
    phys = controls.to_physical(np.tile(controls.default_unit_vector(), (n, 1)))
    col = controls.INDEX
    phys[:, col["f0_hz"]] = 110.0 * 2 ** (rng.integers(0, 36, n) / 12)
    phys[:, col["amp_db"]] = rng.uniform(-30, -6, n)
    phys[:, col["decay_s"]] = 0.1
    phys[:, col["hold_s"]] = 0.05
    phys[:, col["room_wet"]] = 0.0
    times = np.sort(rng.integers(0, round(0.8 * seconds * 22050), n))
    return EventSet(times, controls.to_unit(phys), n_samples=round(seconds * 22050))
