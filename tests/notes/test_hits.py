"""Unpitched hits: sharp high-band rises that are not a note's attack."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from eventcodec.notes.hits import track_hits

SR = 22050


def test_hats_over_a_held_tone_are_found_and_the_tone_attack_is_not() -> None:
    rng = np.random.default_rng(1)
    n = 3 * SR
    t = np.arange(n) / SR
    tone = 0.2 * np.sin(2 * np.pi * 330 * t) * np.minimum(t / 0.005, 1.0)  # starts at 0 with a click
    out = tone.copy()
    sos = butter(4, 6000, "highpass", fs=SR, output="sos")
    at_s = [0.5, 1.1, 1.7, 2.3]
    for a in at_s:
        burst = sosfilt(sos, rng.standard_normal(int(0.08 * SR))) * np.exp(-np.arange(int(0.08 * SR)) / (0.02 * SR))
        i = int(a * SR)
        out[i : i + len(burst)] += 0.3 * burst
    hits = track_hits(out.astype(np.float32), SR, note_onsets_s=np.array([0.0]))
    assert len(hits) == len(at_s), [round(h.onset_s, 3) for h in hits]
    for h, a in zip(hits, at_s, strict=True):
        assert abs(h.onset_s - a) < 0.02 and h.highpass_hz > 3000
    assert track_hits(tone.astype(np.float32), SR, note_onsets_s=np.array([0.0])) == []
    assert track_hits(np.zeros(SR, np.float32), SR) == []
