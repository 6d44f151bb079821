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


STRUCK = {"attack_s": 0.002, "sustain_db": -60.0, "env_decay_s": 0.01, "release_s": 0.02, "decay_s": 0.3,
          "brightness_hz": 6000.0, "n_partials": 30.0, "click_mix": 0.5, "tonal_mix": 0.9}
HELD = {"attack_s": 0.1, "sustain_db": 0.0, "env_decay_s": 0.3, "release_s": 0.3, "decay_s": 1.0,
        "brightness_hz": 500.0, "n_partials": 4.0, "click_mix": 0.0, "tonal_mix": 0.9}
HATS = {"tonal_mix": 0.05, "decay_s": 0.05, "noise_highpass_hz": 5000.0, "noise_lowpass_hz": 10000.0,
        "attack_s": 0.001, "sustain_db": -60.0}


def three_timbres(n_each: int = 5, seconds: float = 2.0) -> tuple[EventSet, np.ndarray]:
    """Struck bright notes, held dark notes and hi-hats, interleaved in time; (set, instrument 0/1/2 of each)."""
    rng = np.random.default_rng(0)
    phys = controls.to_physical(np.tile(controls.default_unit_vector(), (3 * n_each, 1)))
    col = controls.INDEX
    group = np.tile(np.arange(3), n_each)
    for g, kind in enumerate((STRUCK, HELD, HATS)):
        for name, value in kind.items():
            phys[group == g, col[name]] = value
    phys[:, col["f0_hz"]] = rng.uniform(150, 800, len(group))
    phys[:, col["amp_db"]] = rng.uniform(-24, -10, len(group))
    phys[:, col["hold_s"]] = 0.05
    phys[:, col["room_wet"]] = 0.0
    step = round(0.8 * seconds * 22050 / (3 * n_each))
    times = np.arange(3 * n_each) * step
    return EventSet(times, controls.to_unit(phys), n_samples=round(seconds * 22050)), group
