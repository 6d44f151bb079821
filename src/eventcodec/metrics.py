"""Quality metrics for decoded audio: ST-corr, FS-corr, MR-STFT, ViSQOL, and the time alignment they share.

All functions take mono float arrays `(n_samples,)` at one sample rate: `reference` first, then the
`degraded` (decoded) signal. See docs/bench.md for what each metric can and cannot tell apart.

- ST-corr (spectro-temporal correlation, DESIGN.md): Pearson correlation between the log-mel power
  spectrograms of reference and degraded (64 mel bands 40 Hz..Nyquist, FFT 1024, hop 256,
  `log(power + 1e-6)`), after subtracting each band's mean over time. 1 = same pattern, ~0 = unrelated.
- FS-corr (spectral fine-structure correlation): the same idea on linear-frequency log spectra with the
  spectral envelope removed, so only harmonic peaks count; a noise vocoder scores ~0 (see `fs_corr`).
- MR-STFT: `eventcodec.spectral.mrstft_distance` (0 = identical, larger is worse).
- ViSQOL: audio mode MOS-LQO (1..5) from `visqol-python` with its bundled model, at 48 kHz.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.signal

from eventcodec.errors import EventCodecError
from eventcodec.mel import hz_to_mel, mel_to_hz

ST_N_FFT = 1024
ST_HOP = 256
ST_N_MELS = 64
ST_FMIN_HZ = 40.0
ST_EPS = 1e-6
FS_N_FFT = 4096
FS_HOP = 512
FS_FMIN_HZ = 60.0
FS_FMAX_HZ = 4000.0
FS_ENVELOPE_BINS = 21  # ~113 Hz at 22050 Hz: wider than a harmonic peak, narrower than most harmonic spacings
VISQOL_RATE_HZ = 48000
# MP3 at 8 kbps decodes ~72 ms late; leave room for slower decoders.
DEFAULT_MAX_LAG_S = 0.25
# A waveform cross-correlation peak below this (normalised) means the codec did not keep the phase
# (parametric codecs, including ours): the lag is then sought on log-mel spectrograms instead.
WAVEFORM_PEAK_MIN = 0.3
# Below this spectrogram cross-correlation peak there is no evidence of any lag (e.g. an unrelated clip):
# lag 0 is used rather than the best of many chance peaks, which would flatter the signal.
SPECTRAL_PEAK_MIN = 0.2
ALIGN_HOP = 64


class MetricUnavailableError(EventCodecError):
    """A metric's optional dependency is missing (install the `[bench]` extra)."""


@dataclass(frozen=True)
class Alignment:
    """A constant lag between two signals.

    Attributes:
        lag_samples: degraded[n + lag] matches reference[n]; positive = degraded is late.
        peak: normalised cross-correlation at the lag (of waveforms or spectrograms, see `method`).
        method: `waveform`, `spectral`, or `none` (no clear peak either way: lag 0).
    """

    lag_samples: int
    peak: float
    method: str


def _as_mono(x: np.ndarray, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 1 or len(a) == 0:
        raise EventCodecError(f"{name} must be a non-empty mono signal, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise EventCodecError(f"{name} contains NaN or infinite samples")
    return a


def _xcorr_peak(ref: np.ndarray, deg: np.ndarray, max_lag: int) -> tuple[int, float]:
    """Lag in [-max_lag, max_lag] maximising sum_n ref[n] deg[n + lag], and its normalised value."""
    n = len(ref) + len(deg) - 1
    n_fft = 1 << (n - 1).bit_length()
    xc = np.fft.irfft(np.conj(np.fft.rfft(ref, n_fft)) * np.fft.rfft(deg, n_fft), n_fft)
    lags = np.arange(-max_lag, max_lag + 1)
    vals = xc[lags % n_fft]
    i = int(np.argmax(vals))
    norm = float(np.sqrt(np.sum(ref**2) * np.sum(deg**2))) + 1e-20
    return int(lags[i]), float(vals[i] / norm)


def _centred_log_mel(x: np.ndarray, sample_rate: int, hop: int) -> np.ndarray:
    """ST-corr's log-mel features at a finer hop, each band's mean removed: (64, n_frames)."""
    f = log_mel_power(x, sample_rate, hop)
    return f - f.mean(axis=1, keepdims=True)


def _spectral_xcorr_peak(ref: np.ndarray, deg: np.ndarray, sample_rate: int, max_lag: int) -> tuple[int, float]:
    """Lag (in samples, multiple of ALIGN_HOP) maximising the summed per-band cross-correlation of log-mels."""
    a, b = _centred_log_mel(ref, sample_rate, ALIGN_HOP), _centred_log_mel(deg, sample_rate, ALIGN_HOP)
    n = a.shape[1] + b.shape[1] - 1
    n_fft = 1 << (n - 1).bit_length()
    xc = np.fft.irfft(np.sum(np.conj(np.fft.rfft(a, n_fft, axis=1)) * np.fft.rfft(b, n_fft, axis=1), axis=0), n_fft)
    max_frames = max(1, max_lag // ALIGN_HOP)
    lags = np.arange(-max_frames, max_frames + 1)
    vals = xc[lags % n_fft]
    i = int(np.argmax(vals))
    norm = float(np.sqrt(np.sum(a * a) * np.sum(b * b))) + 1e-20
    return int(lags[i]) * ALIGN_HOP, float(vals[i] / norm)


def find_lag(
    reference: np.ndarray, degraded: np.ndarray, sample_rate: int, max_lag_s: float = DEFAULT_MAX_LAG_S
) -> Alignment:
    """Constant lag of `degraded` relative to `reference` by cross-correlation.

    The waveform cross-correlation is used when it has a clear peak (waveform codecs: Opus, MP3, Vorbis);
    otherwise the cross-correlation of band-mean-removed log-mel spectrograms (hop 64 samples), which works
    for codecs that do not keep the phase; when neither has a clear peak the lag is 0 (method `none`).

    Args:
        reference: (n_samples,) reference signal.
        degraded: (m_samples,) signal to align.
        sample_rate: Hz of both signals.
        max_lag_s: largest lag searched, in seconds, either way.
    """
    ref, deg = _as_mono(reference, "reference"), _as_mono(degraded, "degraded")
    max_lag = max(1, round(max_lag_s * sample_rate))
    lag, peak = _xcorr_peak(ref, deg, max_lag)
    if peak >= WAVEFORM_PEAK_MIN:
        return Alignment(lag, peak, "waveform")
    spec_lag, spec_peak = _spectral_xcorr_peak(ref, deg, sample_rate, max_lag)
    if spec_peak >= SPECTRAL_PEAK_MIN:
        return Alignment(spec_lag, spec_peak, "spectral")
    return Alignment(0, spec_peak, "none")


def apply_lag(reference: np.ndarray, degraded: np.ndarray, lag_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Both signals cut to their common, aligned span: returns (ref, deg) of equal length.

    `degraded[n + lag]` is paired with `reference[n]`; the part of either that has no partner is dropped.
    """
    ref, deg = np.asarray(reference), np.asarray(degraded)
    if lag_samples >= 0:
        deg = deg[lag_samples:]
    else:
        ref = ref[-lag_samples:]
    n = min(len(ref), len(deg))
    return ref[:n], deg[:n]


def align(
    reference: np.ndarray, degraded: np.ndarray, sample_rate: int, max_lag_s: float = DEFAULT_MAX_LAG_S
) -> tuple[np.ndarray, np.ndarray, Alignment]:
    """Find the constant lag and cut both signals to their aligned common span: (ref, deg, alignment)."""
    a = find_lag(reference, degraded, sample_rate, max_lag_s)
    ref, deg = apply_lag(reference, degraded, a.lag_samples)
    return ref, deg, a


@lru_cache(maxsize=8)
def mel_filterbank(sample_rate: int, n_fft: int = ST_N_FFT, n_mels: int = ST_N_MELS,
                   fmin_hz: float = ST_FMIN_HZ) -> np.ndarray:
    """Triangular HTK mel filters from `fmin_hz` to Nyquist, shape (n_mels, n_fft // 2 + 1), peak 1."""
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(fmin_hz), hz_to_mel(sample_rate / 2), n_mels + 2))
    bins_hz = np.arange(n_fft // 2 + 1) * sample_rate / n_fft
    lo, mid, hi = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    up = (bins_hz[None] - lo) / (mid - lo)
    down = (hi - bins_hz[None]) / (hi - mid)
    fb = np.maximum(0.0, np.minimum(up, down))
    fb.setflags(write=False)
    return fb


def log_mel_power(x: np.ndarray, sample_rate: int, hop: int = ST_HOP) -> np.ndarray:
    """`log(mel power + 1e-6)` with FFT 1024, hop 256, periodic Hann, no centring; shape (64, n_frames)."""
    a = np.asarray(x, dtype=np.float64)
    if len(a) < ST_N_FFT:
        a = np.pad(a, (0, ST_N_FFT - len(a)))
    n_frames = 1 + (len(a) - ST_N_FFT) // hop
    idx = np.arange(ST_N_FFT)[None] + hop * np.arange(n_frames)[:, None]
    win = scipy.signal.get_window("hann", ST_N_FFT, fftbins=True)
    power = np.abs(np.fft.rfft(a[idx] * win, axis=-1)) ** 2
    return np.log(mel_filterbank(sample_rate) @ power.T + ST_EPS)


def st_corr(reference: np.ndarray, degraded: np.ndarray, sample_rate: int, aligned: bool = False) -> float:
    """Spectro-temporal correlation (DESIGN.md): 1 = same time-frequency pattern, ~0 = unrelated.

    Args:
        reference: (n_samples,) reference signal.
        degraded: (m_samples,) decoded signal.
        sample_rate: Hz of both.
        aligned: True when the caller has already aligned and trimmed both (skips `align`).
    """
    ref, deg = _common_span(reference, degraded, sample_rate, aligned)
    a, b = log_mel_power(ref, sample_rate), log_mel_power(deg, sample_rate)
    return _correlation(a - a.mean(axis=1, keepdims=True), b - b.mean(axis=1, keepdims=True))


def _common_span(reference: np.ndarray, degraded: np.ndarray, sample_rate: int,
                 aligned: bool) -> tuple[np.ndarray, np.ndarray]:
    """Both signals as mono, aligned unless `aligned`, cut to the same length."""
    ref, deg = _as_mono(reference, "reference"), _as_mono(degraded, "degraded")
    if not aligned:
        ref, deg, _ = align(ref, deg, sample_rate)
    n = min(len(ref), len(deg))
    return ref[:n], deg[:n]


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    """sum(a b) / sqrt(sum a^2 sum b^2) of centred features; 0.0 if either has no variance."""
    denom = float(np.sqrt(np.sum(a * a) * np.sum(b * b)))
    return float(np.sum(a * b) / denom) if denom > 0 else 0.0


def _fine_structure(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """FS-corr's features: envelope- and time-mean-removed log power, shape (n_bins 60..4000 Hz, n_frames)."""
    from scipy.ndimage import uniform_filter1d

    a = x if len(x) >= FS_N_FFT else np.pad(x, (0, FS_N_FFT - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(a, FS_N_FFT)[::FS_HOP]
    win = scipy.signal.get_window("hann", FS_N_FFT, fftbins=True)
    f_hz = np.fft.rfftfreq(FS_N_FFT, 1.0 / sample_rate)
    keep = (f_hz >= FS_FMIN_HZ) & (f_hz <= FS_FMAX_HZ)
    log_power = np.log(np.abs(np.fft.rfft(frames * win, axis=-1)[:, keep]) ** 2 + ST_EPS).T
    fine = log_power - uniform_filter1d(log_power, FS_ENVELOPE_BINS, axis=0, mode="nearest")
    return fine - fine.mean(axis=1, keepdims=True)


def fs_corr(reference: np.ndarray, degraded: np.ndarray, sample_rate: int, aligned: bool = False) -> float:
    """Spectral fine-structure correlation: 1 = same harmonic peaks over time, ~0 = none shared.

    With L = log(|STFT|^2 + 1e-6) (Hann, FFT 4096, hop 512, bins 60..4000 Hz), each frame minus its
    21-bin moving average over frequency (the envelope, `uniform_filter1d`, mode "nearest") and then each
    bin minus its mean over time gives F; FS-corr = sum(F_ref F_deg) / sqrt(sum F_ref^2 sum F_deg^2),
    0.0 if either has no variance. Unlike ST-corr it sees pitch: a noise vocoder with the right envelope
    scores ~0.

    Args:
        reference: (n_samples,) reference signal.
        degraded: (m_samples,) decoded signal.
        sample_rate: Hz of both.
        aligned: True when the caller has already aligned and trimmed both (skips `align`).
    """
    ref, deg = _common_span(reference, degraded, sample_rate, aligned)
    return _correlation(_fine_structure(ref, sample_rate), _fine_structure(deg, sample_rate))


def mrstft(reference: np.ndarray, degraded: np.ndarray, sample_rate: int, aligned: bool = False) -> float:
    """Multi-resolution STFT distance (`spectral.mrstft_distance`, estimate = degraded); 0 = identical."""
    import torch

    from eventcodec.spectral import mrstft_distance

    ref, deg = _as_mono(reference, "reference"), _as_mono(degraded, "degraded")
    if not aligned:
        ref, deg, _ = align(ref, deg, sample_rate)
    n = min(len(ref), len(deg))
    x = torch.from_numpy(deg[:n].astype(np.float32))
    y = torch.from_numpy(ref[:n].astype(np.float32))
    return float(mrstft_distance(x, y).item())


@lru_cache(maxsize=1)
def _visqol_api() -> object:
    try:
        from visqol import VisqolApi
    except ImportError:
        raise MetricUnavailableError("ViSQOL needs visqol-python: pip install 'eventcodec[bench]'") from None
    api = VisqolApi()
    api.create(mode="audio")
    return api


def visqol_available() -> bool:
    """True when visqol-python can be imported."""
    try:
        _visqol_api()
    except MetricUnavailableError:
        return False
    return True


def visqol(reference: np.ndarray, degraded: np.ndarray, sample_rate: int, aligned: bool = False) -> float:
    """ViSQOL audio-mode MOS-LQO (about 1..5, higher is better), both signals resampled to 48 kHz with soxr.

    Raises:
        MetricUnavailableError: visqol-python is not installed.
    """
    import soxr

    ref, deg = _as_mono(reference, "reference"), _as_mono(degraded, "degraded")
    if not aligned:
        ref, deg, _ = align(ref, deg, sample_rate)
    n = min(len(ref), len(deg))
    api = _visqol_api()
    if sample_rate != VISQOL_RATE_HZ:
        ref = soxr.resample(ref[:n], sample_rate, VISQOL_RATE_HZ)
        deg = soxr.resample(deg[:n], sample_rate, VISQOL_RATE_HZ)
    result = api.measure_from_arrays(ref, deg, VISQOL_RATE_HZ)  # type: ignore[attr-defined]
    return float(result.moslqo)


def lowpass(x: np.ndarray, sample_rate: int, cutoff_hz: float = 4000.0) -> np.ndarray:
    """Zero-phase 8th-order Butterworth low-pass (the 4 kHz anchor), same shape as `x`."""
    sos = scipy.signal.butter(8, cutoff_hz, btype="low", fs=sample_rate, output="sos")
    return scipy.signal.sosfiltfilt(sos, np.asarray(x, dtype=np.float64)).astype(np.float32)
