"""End-to-end behaviour of the analysis-by-synthesis encoder on short signals."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

from eventcodec import controls
from eventcodec.codec import encode
from eventcodec.controls import INDEX, default_unit_vector, to_physical, to_unit
from eventcodec.encode import EncodeOptions
from eventcodec.errors import EventCodecError
from eventcodec.synth.render import render
from eventcodec.synth.seeds import event_seeds

SR = 22050
FAST = EncodeOptions(quality="fast")


def _event(**physical: float) -> np.ndarray:
    p = to_physical(default_unit_vector())
    for k, v in physical.items():
        p[INDEX[k]] = v
    return to_unit(p)


@functools.lru_cache(maxsize=8)
def _pluck_at_zero(f0_hz: float) -> np.ndarray:
    v = _event(amp_db=-12.0, f0_hz=f0_hz, tonal_mix=1.0, decay_s=0.6, n_partials=8, brightness_hz=3000.0,
               sustain_db=-60.0, hold_s=0.02)
    seeds = torch.from_numpy(event_seeds(np.array([0]), v[None]))
    y: np.ndarray = render(torch.from_numpy(v[None]), SR // 2, seeds=seeds)[0].numpy()
    return y


def _pluck(f0_hz: float, at: int, n: int) -> np.ndarray:
    """A rendered pluck starting at sample `at` of an `n`-sample signal."""
    y = _pluck_at_zero(f0_hz)[: max(n - at, 0)]
    out = np.zeros(n, np.float32)
    out[at : at + len(y)] = y
    return out


def test_silence_encodes_to_no_events() -> None:
    es = encode(np.zeros(SR, np.float32), SR, "abs", FAST)
    assert len(es) == 0 and es.n_samples == SR


def test_near_silence_encodes_to_no_events() -> None:
    x = (np.random.default_rng(0).standard_normal(SR) * 1e-5).astype(np.float32)  # about -100 dBFS
    assert len(encode(x, SR, "abs", FAST)) == 0


def test_pluck_is_found_at_its_time_and_pitch() -> None:
    at, f0 = 6000, 330.0
    es = encode(_pluck(f0, at, SR), SR, "abs", FAST)
    assert 1 <= len(es) <= 12  # one pluck: a main event plus a few that fix the residual
    phys = to_physical(es.vectors)
    amp, f0s = phys[:, INDEX["amp_db"]], phys[:, INDEX["f0_hz"]]
    near = np.abs(es.times - at) <= 0.05 * SR
    in_tune = np.abs(1200 * np.log2(f0s / f0)) < 50
    # a main event: on time, in tune, and within 3 dB of the loudest
    assert np.any(near & in_tune & (amp >= amp.max() - 3.0))


@pytest.mark.parametrize("quality", ["fast", "default"])
def test_a_sound_that_starts_with_the_file_is_placed_at_its_start(quality: str) -> None:
    # the analysis sees no onset before its first frame: it used to place this pluck 768-1024 samples late
    es = encode(_pluck(330.0, 0, SR), SR, "abs", EncodeOptions(quality=quality, texture=False))
    loudest = int(np.argmax(to_physical(es.vectors)[:, INDEX["amp_db"]]))
    assert es.times[loudest] <= 256


def test_eventset_metadata() -> None:
    es = encode(_pluck(440.0, 2000, SR // 2), SR, "abs", FAST)
    assert es.meta["encoder"] == "abs" and es.space == "controls"
    assert es.model_hash == controls.schema_hash()
    assert np.all((es.vectors >= 0) & (es.vectors <= 1))
    assert np.all(es.times >= 0) and np.all(es.times < es.n_samples)


def test_deterministic() -> None:
    x = _pluck(220.0, 1000, SR // 4)
    a, b = encode(x, SR, "abs", FAST), encode(x, SR, "abs", FAST)
    assert a == b


@pytest.mark.parametrize("kind", ["dc", "clipped", "short", "one_sample"])
def test_awkward_inputs_encode(kind: str) -> None:
    x = _pluck(262.0, 1000, SR // 2)
    if kind == "dc":
        x = x + 0.3
    elif kind == "clipped":
        x = np.clip(x * 20, -1, 1)
    elif kind == "short":
        x = x[:1500]
    else:
        x = x[:1] + 0.5
    es = encode(x.astype(np.float32), SR, "abs", FAST)
    assert es.n_samples == len(x)
    assert np.all(es.times < len(x))


def test_event_rate_ceiling_is_respected() -> None:
    rng = np.random.default_rng(1)
    x = np.zeros(SR, np.float32)
    for at in range(0, SR - 3000, 1100):  # 20 plucks in one second
        x += _pluck(float(rng.choice([220.0, 330.0, 440.0, 550.0])), at, SR) * 0.3
    es = encode(x, SR, "abs", EncodeOptions(quality="fast", events_per_second=5))
    assert len(es) <= 5


@pytest.mark.parametrize("bad", [EncodeOptions(events_per_second=0), EncodeOptions(bitrate_kbps=-1),
                                 EncodeOptions(quality="ultra")])  # type: ignore[arg-type]
def test_bad_options_are_user_errors(bad: EncodeOptions) -> None:
    with pytest.raises(EventCodecError):
        encode(np.zeros(100, np.float32), SR, "abs", bad)
