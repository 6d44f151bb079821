"""The codec API: encode audio to events, decode events to audio. CLI, web and batch call these."""

from __future__ import annotations

import numbers
import os
import warnings
from collections.abc import Iterable, Iterator

import numpy as np

from eventcodec.encode import EncodeOptions, get_encoder
from eventcodec.errors import AudioError
from eventcodec.input_checks import check_array, cleaned, scan_file
from eventcodec.types import SAMPLE_RATE, EventSet


def _blocks_of(audio: np.ndarray, block: int = 2**16) -> Iterable[np.ndarray]:
    for i in range(0, len(audio), block):
        yield audio[i : i + block]


def encode(
    audio: np.ndarray,
    sample_rate: int = SAMPLE_RATE,
    encoder: str = "abs",
    options: EncodeOptions | None = None,
    progress: bool = False,
) -> EventSet:
    """Encode audio (n_samples,) or (n_samples, channels <= 8) to an EventSet; resamples to 22050 Hz if needed.

    Samples are checked first (`input_checks`): a NaN, infinite or absurd (beyond +-1000) sample is refused
    with AudioError naming its time; a DC offset is removed and clipping reported as `InputWarning`.
    """
    if not isinstance(sample_rate, numbers.Real) or not 0 < sample_rate < 10**7:
        raise AudioError(f"sample_rate must be a positive number of Hz, got {sample_rate!r}")
    audio, stats = check_array(audio, sample_rate)
    stats.warn()
    if sample_rate != SAMPLE_RATE:
        import soxr

        audio = soxr.resample(audio, sample_rate, SAMPLE_RATE).astype(np.float32)
    fn = get_encoder(encoder)
    return fn(cleaned(_blocks_of(audio), 0.0), len(audio), options or EncodeOptions(), progress)


def encode_file(
    path: str | os.PathLike[str],
    encoder: str = "abs",
    options: EncodeOptions | None = None,
    progress: bool = False,
) -> EventSet:
    """Encode an audio file, streaming it in blocks (bounded memory for any length).

    A first pass checks the samples as `encode` does (refusing bad ones before any analysis); the second
    feeds the encoder, DC removed.
    """
    import soundfile as sf

    from eventcodec.audio import iter_blocks, load

    stats = scan_file(path) if os.path.isfile(path) else None
    try:
        info = sf.info(str(path))
        n_samples = round(info.frames * SAMPLE_RATE / info.samplerate)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        audio, _ = load(path)  # formats only ffmpeg reads: length is unknown up front
        return encode(audio, SAMPLE_RATE, encoder, options, progress)
    fn = get_encoder(encoder)
    if stats is not None:
        stats.warn()
    dc = stats.mono_dc if stats is not None else 0.0
    return fn(cleaned(iter_blocks(path), dc), n_samples, options or EncodeOptions(), progress)


def decode(
    events: EventSet, start_sample: int = 0, n_samples: int | None = None, progress: bool = False,
    texture: bool = True, texture_gain_db: float = 0.0,
) -> np.ndarray:
    """Render an EventSet (or a time range of it) to mono float32 audio at its sample rate.

    `texture`: add the set's noise texture (when it has one), `texture_gain_db` louder or softer than stored.
    """
    from eventcodec.synth import decode as synth_decode

    return finite(synth_decode(events, start_sample=start_sample, n_samples=n_samples, progress=progress,
                               texture=texture, texture_gain_db=texture_gain_db))


def decode_blocks(
    events: EventSet, start_sample: int = 0, n_samples: int | None = None, progress: bool = False,
    texture: bool = True, texture_gain_db: float = 0.0,
) -> Iterator[np.ndarray]:
    """`decode` as consecutive float32 blocks (<= 2^16 samples): memory bounded whatever the length."""
    from eventcodec.synth.decode import decode_chunks

    blocks = decode_chunks(events, start_sample=start_sample, n_samples=n_samples, progress=progress,
                           texture=texture, texture_gain_db=texture_gain_db)
    return (finite(b) for b in blocks)


def finite(audio: np.ndarray) -> np.ndarray:
    """The decoder's last guard: non-finite samples (a gain beyond float range, a bug) become 0, with a warning;
    no output of `decode` is ever NaN or infinite."""
    bad = ~np.isfinite(audio)
    if not bad.any():
        return audio
    warnings.warn(f"{int(bad.sum())} non-finite samples in the rendered audio were set to 0", RuntimeWarning,
                  stacklevel=2)
    return np.where(bad, np.float32(0), audio).astype(np.float32)
