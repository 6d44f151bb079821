"""The codec API: encode audio to events, decode events to audio. CLI, web and batch call these."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import numpy as np

from eventcodec.encode import EncodeOptions, get_encoder
from eventcodec.errors import AudioError
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
    """Encode mono audio (n_samples,) to an EventSet; resamples to 22050 Hz if needed."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim == 2:
        audio = audio.mean(axis=-1) if audio.shape[-1] <= 8 else audio.mean(axis=0)
    if audio.ndim != 1 or len(audio) == 0:
        raise AudioError("audio must be a non-empty mono signal")
    if not np.all(np.isfinite(audio)):
        raise AudioError("audio contains NaN or infinite samples")
    if sample_rate != SAMPLE_RATE:
        import soxr

        audio = soxr.resample(audio, sample_rate, SAMPLE_RATE).astype(np.float32)
    fn = get_encoder(encoder)
    return fn(_blocks_of(audio), len(audio), options or EncodeOptions(), progress)


def encode_file(
    path: str | os.PathLike[str],
    encoder: str = "abs",
    options: EncodeOptions | None = None,
    progress: bool = False,
) -> EventSet:
    """Encode an audio file, streaming it in blocks (bounded memory for any length)."""
    import soundfile as sf

    from eventcodec.audio import iter_blocks, load

    try:
        info = sf.info(str(path))
        n_samples = round(info.frames * SAMPLE_RATE / info.samplerate)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        audio, _ = load(path)  # formats only ffmpeg reads: length is unknown up front
        return encode(audio, SAMPLE_RATE, encoder, options, progress)
    fn = get_encoder(encoder)
    return fn(iter_blocks(path), n_samples, options or EncodeOptions(), progress)


def decode(
    events: EventSet, start_sample: int = 0, n_samples: int | None = None, progress: bool = False,
    texture: bool = True, texture_gain_db: float = 0.0,
) -> np.ndarray:
    """Render an EventSet (or a time range of it) to mono float32 audio at its sample rate.

    `texture`: add the set's noise texture (when it has one), `texture_gain_db` louder or softer than stored.
    """
    from eventcodec.synth import decode as synth_decode

    return synth_decode(events, start_sample=start_sample, n_samples=n_samples, progress=progress,
                        texture=texture, texture_gain_db=texture_gain_db)


def decode_blocks(
    events: EventSet, start_sample: int = 0, n_samples: int | None = None, progress: bool = False,
    texture: bool = True, texture_gain_db: float = 0.0,
) -> Iterator[np.ndarray]:
    """`decode` as consecutive float32 blocks (<= 2^16 samples): memory bounded whatever the length."""
    from eventcodec.synth.decode import decode_chunks

    return decode_chunks(events, start_sample=start_sample, n_samples=n_samples, progress=progress,
                         texture=texture, texture_gain_db=texture_gain_db)
