"""Bytes the browser can show or play: 16-bit WAV and log-frequency spectrogram PNGs (pure functions)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np

F_MIN_HZ = 27.5  # bottom of the image and of the f0 axis in the front end (A0)
N_ROWS = 256
FLOOR_DB = -80.0

# A dark-to-bright colour ramp (black, indigo, magenta, orange, pale yellow), interpolated to 256 entries.
_STOPS = np.array([[0, 0, 4], [59, 15, 112], [183, 55, 121], [252, 137, 97], [252, 253, 191]], dtype=np.float64)
LUT = np.stack([np.interp(np.linspace(0, 4, 256), np.arange(5), _STOPS[:, c]) for c in range(3)], -1).astype(np.uint8)


def wav_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """Mono float audio (n_samples,) -> a 16-bit PCM WAV file's bytes (clipped to [-1, 1])."""
    import soundfile as sf

    from eventcodec.audio import to_pcm16

    buf = io.BytesIO()
    sf.write(buf, to_pcm16(audio), sample_rate, subtype="PCM_16", format="WAV")
    return buf.getvalue()


def log_frequency_db(magnitude: np.ndarray, sample_rate: int, n_rows: int = N_ROWS,
                     f_min_hz: float = F_MIN_HZ) -> np.ndarray:
    """Linear-frequency STFT magnitude (bins, frames) -> dB re its max on a log-frequency axis.

    Args:
        magnitude: (n_fft // 2 + 1, n_frames) linear magnitudes.
        sample_rate: Hz; the top row is Nyquist.
        n_rows: rows of the output, log-spaced from `f_min_hz` to Nyquist, lowest first.
        f_min_hz: frequency of row 0.

    Returns:
        (n_rows, n_frames) float32 in [FLOOR_DB, 0].
    """
    n_bins = magnitude.shape[0]
    bin_hz = np.linspace(0.0, sample_rate / 2, n_bins)
    row_hz = np.geomspace(f_min_hz, sample_rate / 2, n_rows)
    rows = np.stack([np.interp(row_hz, bin_hz, col) for col in magnitude.T], axis=1) if magnitude.size else \
        np.zeros((n_rows, magnitude.shape[1]))
    db = 20 * np.log10(np.maximum(rows, 1e-10))
    db -= db.max() if db.size else 0.0
    return np.maximum(db, FLOOR_DB).astype(np.float32)


def spectrogram_image(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono audio -> (N_ROWS, n_frames, 3) uint8 RGB, low frequencies at the bottom (paper STFT, hop 256)."""
    import torch

    from eventcodec.spectral import stft_magnitude

    x = torch.as_tensor(np.asarray(audio, dtype=np.float32))
    if x.shape[-1] < 256:
        x = torch.nn.functional.pad(x, (0, 256 - x.shape[-1]))
    with torch.no_grad():
        mag = stft_magnitude(x).numpy()
    db = log_frequency_db(mag, sample_rate)
    idx = np.round((db - FLOOR_DB) / -FLOOR_DB * 255).astype(np.uint8)
    return LUT[idx[::-1]]


def png_bytes(rgb: np.ndarray) -> bytes:
    """(height, width, 3) uint8 -> PNG file bytes (8-bit RGB, no filtering)."""
    rgb = np.ascontiguousarray(rgb, dtype=np.uint8)
    height, width = rgb.shape[:2]
    raw = np.concatenate([np.zeros((height, 1), np.uint8), rgb.reshape(height, width * 3)], axis=1).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6)) + \
        chunk(b"IEND", b"")
