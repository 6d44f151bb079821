"""Gabor-atom matching pursuit: the classic interpretable sparse baseline the paper contrasts itself with.

Greedy MP over a dictionary of `SCALES` x 256 frequencies of Gaussian-windowed cosines, on a time grid of
hop scale / 4. Correlations with every atom of a scale are computed in one batch (frames x dictionary
matrix product); after each pick only the frames that overlap the subtracted atom are recomputed. The
phase is fitted in closed form and the atom is quantized *before* it is subtracted (closed loop), so the
decoder renders exactly what the encoder accounted for. Bitrate targeting keeps the longest MP prefix
whose compressed size fits the budget (greedy MP: the first n atoms are the n-atom solution).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from eventcodec.baselines.gabor_atoms import (
    SCALES,
    GaborAtoms,
    amp_from_code,
    amp_to_code,
    freq_grid_hz,
    phase_from_code,
    phase_to_code,
    window,
)
from eventcodec.baselines.gabor_format import atoms_to_bytes
from eventcodec.errors import EventCodecError

HOP_DIVISOR = 4
# Conservative bytes per atom after zstd, used only to size the MP run before the exact prefix search.
MIN_BYTES_PER_ATOM = 3.0


@dataclass
class _ScaleState:
    """Per-scale dictionary (cos/sin columns), inverse Gram entries and the best atom of each frame."""

    m: int
    hop: int
    basis: np.ndarray  # (m, 2 * n_freqs): w cos(w_k n) then w sin(w_k n)
    ginv: np.ndarray  # (3, n_freqs): a11, a12, a22 of the 2x2 inverse Gram matrix per frequency
    frames: np.ndarray  # (n_frames, m) view of the residual
    best_e: np.ndarray  # (n_frames,) energy captured by the frame's best atom
    best_k: np.ndarray  # (n_frames,) frequency index of that atom

    def score(self, rows: slice) -> None:
        # A copy: overlapping frames have a row stride < m, which BLAS cannot take (numpy falls back to a slow loop).
        pq = np.ascontiguousarray(self.frames[rows]) @ self.basis
        k = self.ginv.shape[1]
        p, q = pq[:, :k], pq[:, k:]
        e = self.ginv[0] * p * p + 2 * self.ginv[1] * p * q + self.ginv[2] * q * q
        self.best_k[rows] = np.argmax(e, axis=1)
        self.best_e[rows] = np.max(e, axis=1)


def _scale_state(residual: np.ndarray, m: int, freqs_hz: np.ndarray, sample_rate: int) -> _ScaleState:
    n = np.arange(m)[:, None]
    w = window(m)[:, None]
    arg = 2 * np.pi * freqs_hz[None] * n / sample_rate
    cos, sin = w * np.cos(arg), w * np.sin(arg)
    uu, vv, uv = (cos * cos).sum(0), (sin * sin).sum(0), (cos * sin).sum(0)
    reg = 1e-9 * (uu + vv)
    uu, vv = uu + reg, vv + reg
    det = uu * vv - uv * uv
    ginv = np.stack([vv / det, -uv / det, uu / det])
    hop = m // HOP_DIVISOR
    frames = sliding_window_view(residual, m)[::hop]
    basis = np.concatenate([cos, sin], axis=1).astype(np.float32)
    st = _ScaleState(m, hop, basis, ginv.astype(np.float32), frames,
                     np.zeros(len(frames)), np.zeros(len(frames), dtype=np.int64))
    st.score(slice(0, len(frames)))
    return st


def _one_blas_thread() -> AbstractContextManager[object]:
    """The per-pick matrix products are small: extra BLAS threads only spin (badly so on a busy machine)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return nullcontext()
    return threadpool_limits(1)


def matching_pursuit(
    audio: np.ndarray, sample_rate: int, n_atoms: int, progress: bool = False
) -> GaborAtoms:
    """Greedy MP with quantized atoms; returns them in pick order (most energetic first).

    Args:
        audio: (n_samples,) mono signal.
        sample_rate: Hz.
        n_atoms: most atoms to pick (fewer if the residual runs out).
        progress: tqdm bar on stderr.
    """
    x = np.asarray(audio, dtype=np.float64).reshape(-1)
    if len(x) == 0 or not np.all(np.isfinite(x)):
        raise EventCodecError("Gabor MP needs a non-empty, finite mono signal")
    with _one_blas_thread():
        return _matching_pursuit(x, sample_rate, n_atoms, progress)


def _matching_pursuit(x: np.ndarray, sample_rate: int, n_atoms: int, progress: bool) -> GaborAtoms:
    pad = max(SCALES)
    # float32 halves the cost of the correlation updates, which dominate the run time.
    residual = np.concatenate([np.zeros(pad), x, np.zeros(pad)]).astype(np.float32)
    freqs = freq_grid_hz(sample_rate)
    states = [_scale_state(residual, m, freqs, sample_rate) for m in SCALES]
    cols: dict[str, list[int]] = {"start": [], "scale": [], "freq": [], "amp": [], "phase": []}
    from tqdm import tqdm

    bar = tqdm(total=n_atoms, desc="gabor mp", unit="atom", disable=not progress, leave=False)
    floor = 1e-12 * max(float(np.sum(x * x)), 1e-20)
    while len(cols["start"]) < n_atoms:
        si = int(np.argmax([st.best_e.max() for st in states]))
        st = states[si]
        j = int(np.argmax(st.best_e))
        if st.best_e[j] <= floor:
            break
        k = int(st.best_k[j])
        t0 = j * st.hop
        seg = residual[t0 : t0 + st.m].astype(np.float64)
        p, q = seg @ st.basis[:, k], seg @ st.basis[:, k + len(freqs)]
        g = st.ginv[:, k].astype(np.float64)
        alpha, beta = g[0] * p + g[1] * q, g[1] * p + g[2] * q
        phase_code = phase_to_code(np.arctan2(-beta, alpha))
        phase = float(phase_from_code(phase_code))
        shape = window(st.m) * np.cos(2 * np.pi * freqs[k] * np.arange(st.m) / sample_rate + phase)
        amp = float(seg @ shape) / float(shape @ shape)
        amp_code = amp_to_code(max(amp, 0.0))
        if amp_code == 0:
            st.best_e[j] = 0.0  # too faint for the quantizer: never pick this frame's atom again
            continue
        residual[t0 : t0 + st.m] -= (float(amp_from_code(amp_code)) * shape).astype(np.float32)
        for other in states:
            lo = max(0, -(-(t0 - other.m + 1) // other.hop))
            hi = min(len(other.frames), (t0 + st.m - 1) // other.hop + 1)
            if hi > lo:
                other.score(slice(lo, hi))
        for name, v in (("start", t0 - pad), ("scale", si), ("freq", k), ("amp", int(amp_code)),
                        ("phase", int(phase_code))):
            cols[name].append(v)
        bar.update(1)
    bar.close()
    return GaborAtoms(
        start=np.asarray(cols["start"], dtype=np.int64),
        scale=np.asarray(cols["scale"], dtype=np.uint8),
        freq=np.asarray(cols["freq"], dtype=np.uint8),
        amp=np.asarray(cols["amp"], dtype=np.uint8),
        phase=np.asarray(cols["phase"], dtype=np.uint8),
        sample_rate=sample_rate,
        n_samples=len(x),
    )


def fit_to_bitrate(atoms: GaborAtoms, bitrate_kbps: float) -> GaborAtoms:
    """The longest prefix of MP-ordered `atoms` whose .gab file is at most `bitrate_kbps` (time-sorted)."""
    budget_bytes = bitrate_kbps * 1000 / 8 * atoms.n_samples / atoms.sample_rate
    lo, hi = 0, len(atoms)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(atoms_to_bytes(atoms.take(slice(0, mid)).sorted_by_time())) <= budget_bytes:
            lo = mid
        else:
            hi = mid - 1
    return atoms.take(slice(0, lo)).sorted_by_time()


def encode_gabor(
    audio: np.ndarray,
    sample_rate: int,
    bitrate_kbps: float | None = None,
    atoms_per_second: float | None = None,
    progress: bool = False,
) -> GaborAtoms:
    """Encode with a bitrate target or a fixed atom (event) rate; exactly one must be given.

    Returns:
        Time-sorted quantized atoms.
    """
    if (bitrate_kbps is None) == (atoms_per_second is None):
        raise EventCodecError("give exactly one of bitrate_kbps and atoms_per_second")
    duration_s = len(audio) / sample_rate
    if atoms_per_second is not None:
        if atoms_per_second <= 0:
            raise EventCodecError("atoms_per_second must be > 0")
        n = max(1, round(atoms_per_second * duration_s))
        return matching_pursuit(audio, sample_rate, n, progress).sorted_by_time()
    assert bitrate_kbps is not None
    if bitrate_kbps <= 0:
        raise EventCodecError("bitrate_kbps must be > 0")
    n_max = max(1, int(bitrate_kbps * 1000 / 8 * duration_s / MIN_BYTES_PER_ATOM))
    return fit_to_bitrate(matching_pursuit(audio, sample_rate, n_max, progress), bitrate_kbps)
