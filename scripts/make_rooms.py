"""Generate the shipped room impulse responses (src/eventcodec/data/rooms/*.wav), reproducibly.

A statistical room model: a direct impulse, sparse early reflections (random signs, 1/distance
amplitudes, growing density) and a diffuse tail of octave-band noise, each band decaying with its
own T60 (high frequencies die faster: air and wall absorption). Seeded, so reruns give the same files.

    .venv/bin/python scripts/make_rooms.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

SAMPLE_RATE = 22050
MAX_LENGTH_S = 1.5
OUT_DIR = Path(__file__).resolve().parents[1] / "src" / "eventcodec" / "data" / "rooms"
BAND_CENTRES_HZ = (125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0)
BAND_T60_FACTOR = (1.15, 1.1, 1.0, 0.95, 0.8, 0.6, 0.4)

# name, broadband T60 (s), pre-delay (s), direct-to-reverberant ratio (dB), early reflections
ROOMS: tuple[tuple[str, float, float, float, int], ...] = (
    ("booth", 0.12, 0.002, 12.0, 6),
    ("small_room", 0.25, 0.004, 6.0, 10),
    ("studio", 0.4, 0.006, 3.0, 12),
    ("living_room", 0.55, 0.008, 1.0, 14),
    ("chamber", 0.8, 0.012, -1.0, 16),
    ("hall", 1.1, 0.02, -3.0, 18),
    ("church", 1.4, 0.03, -5.0, 20),
    ("cathedral", 1.9, 0.045, -7.0, 24),
)


def band_weights(n_fft: int) -> np.ndarray:
    """Raised-cosine octave-band weights on log frequency that sum to 1: (n_bands, n_fft//2+1)."""
    f = np.fft.rfftfreq(n_fft, 1.0 / SAMPLE_RATE)
    logf = np.log2(np.maximum(f, 1.0))
    centres = np.log2(BAND_CENTRES_HZ)
    w = np.zeros((len(centres), len(f)))
    for i, c in enumerate(centres):
        x = np.clip(np.abs(logf - c), 0.0, 1.0)
        w[i] = 0.5 + 0.5 * np.cos(np.pi * x)
    w[0, logf < centres[0]] = 1.0
    w[-1, logf > centres[-1]] = 1.0
    return w / w.sum(0, keepdims=True)


def make_room(t60_s: float, predelay_s: float, drr_db: float, n_early: int, seed: int) -> np.ndarray:
    """One impulse response, unit energy, float64 (n_samples,)."""
    rng = np.random.default_rng(seed)
    n = int(min(MAX_LENGTH_S, predelay_s + 1.1 * t60_s * max(BAND_T60_FACTOR)) * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    # diffuse tail: octave bands of noise, each with its own exponential decay
    n_fft = 1 << int(np.ceil(np.log2(2 * n)))
    spec = np.fft.rfft(rng.standard_normal(n), n_fft)
    tail = np.zeros(n)
    for w, factor in zip(band_weights(n_fft), BAND_T60_FACTOR, strict=True):
        band = np.fft.irfft(spec * w, n_fft)[:n]
        tail += band * np.exp(-np.log(1000.0) * t / (t60_s * factor))
    onset = np.clip((t - predelay_s) / (predelay_s + 0.01), 0.0, 1.0) ** 2
    tail *= onset
    # early reflections between the pre-delay and ~4 pre-delays later
    early = np.zeros(n)
    times = np.sort(rng.uniform(predelay_s, 4 * predelay_s + 0.01, n_early))
    for ts in times:
        i = int(ts * SAMPLE_RATE)
        if i < n:
            early[i] += rng.choice([-1.0, 1.0]) * predelay_s / ts * rng.uniform(0.3, 0.8)
    wet = tail / np.sqrt(np.sum(tail**2)) + early / max(np.sqrt(np.sum(early**2)), 1e-9) * 0.5
    wet /= np.sqrt(np.sum(wet**2))
    direct = 10.0 ** (drr_db / 20.0)
    ir = wet.copy()
    ir[0] += direct
    fade = int(0.05 * SAMPLE_RATE)
    ir[-fade:] *= np.linspace(1.0, 0.0, fade)
    return ir / np.sqrt(np.sum(ir**2))


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for i, (name, t60, pre, drr, n_early) in enumerate(ROOMS):
        ir = make_room(t60, pre, drr, n_early, seed=1000 + i)
        path = OUT_DIR / f"{i:02d}_{name}.wav"
        sf.write(path, (ir / np.abs(ir).max() * 0.999).astype(np.float32), SAMPLE_RATE, subtype="PCM_16")
        print(f"{path.name}: {len(ir) / SAMPLE_RATE:.3f} s, T60 {t60} s")


if __name__ == "__main__":
    main()
