"""The decoder's mix buses: overlap-add in absolute samples, chunk by chunk, rooms convolved per chunk."""

import numpy as np
import scipy.signal

from eventcodec.synth.mixing import HOP, Bus, Mixer


def test_bus_overlap_adds_across_chunks_and_drops_what_is_already_taken():
    rng = np.random.default_rng(0)
    bus, ref = Bus(start=-1000), np.zeros(8 * HOP)
    taken = []
    for c in range(4):
        for _ in range(5):  # events from this chunk on, some reaching three chunks ahead
            at = int(rng.integers(-1000 + c * HOP, -1000 + (c + 1) * HOP))
            x = rng.standard_normal(int(rng.integers(10, 3 * HOP))).astype(np.float32)
            bus.add(at, x)
            lo = at + 1000
            ref[lo : lo + len(x)] += x[: len(ref) - lo]
        taken.append(bus.take(HOP))
    np.testing.assert_allclose(np.concatenate(taken), ref[: 4 * HOP], atol=1e-5)
    bus.add(bus.start - 10, np.ones(20, np.float32))  # the first 10 samples fall in a chunk already taken
    ref[4 * HOP : 4 * HOP + 10] += 1.0
    np.testing.assert_allclose(bus.take(HOP), ref[4 * HOP : 5 * HOP], atol=1e-5)


def test_mixer_applies_each_room_to_its_wet_share():
    rng = np.random.default_rng(1)
    irs = [rng.standard_normal(300) * np.exp(-np.arange(300) / 50), rng.standard_normal(700) * 0.1]
    first = np.array([0, 5000, 70_000])
    wet, room_idx = np.array([0.0, 0.5, 1.0]), np.array([0, 1, 0])
    audio = rng.standard_normal((3, 4000)).astype(np.float32)
    mixer = Mixer(irs, 0, first, wet, room_idx)
    dry_part = audio * (1.0 - wet[:, None]).astype(np.float32)
    rows = wet > 0
    mixer.add(np.arange(3), dry_part, audio[rows] * wet[rows, None].astype(np.float32))
    out = np.concatenate([mixer.take(), mixer.take()])
    ref = np.zeros(2 * HOP + 1000)
    for k in range(3):
        y = (1.0 - wet[k]) * audio[k].astype(np.float64)
        ref[first[k] : first[k] + 4000] += y
        if wet[k] > 0:
            w = scipy.signal.fftconvolve(wet[k] * audio[k].astype(np.float64), irs[room_idx[k]])
            ref[first[k] : first[k] + len(w)] += w
    np.testing.assert_allclose(out, ref[: 2 * HOP], atol=1e-4)
