"""Audio in and out: any common file -> mono float32 at 22050 Hz, streamed in blocks.

soundfile (libsndfile) reads wav/flac/ogg/mp3/opus; anything else goes through ffmpeg when it
is installed. Stereo is downmixed, other rates are resampled with soxr. Clipping and DC offset
are reported in `AudioReport`; what the encoder is fed is checked by `input_checks` (bad samples refused,
DC removed with a warning).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from eventcodec.errors import AudioError
from eventcodec.fileio import write_atomic
from eventcodec.input_checks import bad_sample_message
from eventcodec.types import SAMPLE_RATE

BLOCK_SAMPLES = 2**16


@dataclass(frozen=True)
class AudioReport:
    """What we noticed about an input file."""

    source_rate_hz: int
    source_channels: int
    n_samples: int
    peak: float
    clipped_fraction: float
    dc_offset: float

    def warnings(self) -> list[str]:
        out = []
        if self.clipped_fraction > 1e-4:
            out.append(f"input clips: {100 * self.clipped_fraction:.2f}% of samples at full scale")
        if abs(self.dc_offset) > 1e-2:
            out.append(f"input has a DC offset of {self.dc_offset:+.3f}")
        return out


def _check_path(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.exists():
        raise AudioError(f"no such file: {p}")
    if p.is_dir():
        raise AudioError(f"is a directory, not an audio file: {p}")
    if p.stat().st_size == 0:
        raise AudioError(f"empty file: {p}")
    return p


def _downmix(block: np.ndarray) -> np.ndarray:
    return block.mean(axis=1) if block.ndim == 2 else block


def _soundfile_blocks(p: Path, block_frames: int) -> tuple[int, int, Iterator[np.ndarray]]:
    try:
        f = sf.SoundFile(str(p))
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise AudioError(f"cannot read {p.name} as audio: {e}") from None

    def gen() -> Iterator[np.ndarray]:
        with f:
            while True:
                try:
                    block = f.read(block_frames, dtype="float32", always_2d=True)
                except (sf.LibsndfileError, RuntimeError) as e:
                    raise AudioError(f"cannot decode {p.name}: {e}") from None
                if len(block) == 0:
                    return
                yield _downmix(block)

    return int(f.samplerate), int(f.channels), gen()


def _ffmpeg_blocks(p: Path, block_frames: int) -> tuple[int, int, Iterator[np.ndarray]]:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise AudioError(f"cannot read {p.name}: not a format libsndfile knows, and ffmpeg is not installed")
    cmd = [ffmpeg, "-v", "error", "-nostdin", "-i", str(p), "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
           "-f", "f32le", "-"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def gen() -> Iterator[np.ndarray]:
        assert proc.stdout is not None
        got_any = False
        try:
            while True:
                raw = proc.stdout.read(block_frames * 4)
                if not raw:
                    break
                got_any = True
                yield np.frombuffer(raw[: len(raw) // 4 * 4], dtype="<f4").copy()
        finally:
            proc.stdout.close()
            err = proc.stderr.read().decode(errors="replace").strip() if proc.stderr else ""
            rc = proc.wait()
        if rc != 0 or not got_any:
            first = err.splitlines()[-1] if err else "no audio stream"
            raise AudioError(f"cannot read {p.name} as audio: {first}")

    return SAMPLE_RATE, 1, gen()


def iter_blocks(
    path: str | os.PathLike[str], block_samples: int = BLOCK_SAMPLES, sample_rate: int = SAMPLE_RATE
) -> Generator[np.ndarray, None, None]:
    """Yield mono float32 blocks at `sample_rate`, reading the file incrementally.

    Blocks have `block_samples` samples except the last. Memory stays flat for any length.
    """
    p = _check_path(path)
    try:
        rate, _, blocks = _soundfile_blocks(p, block_samples)
    except AudioError:
        rate, _, blocks = _ffmpeg_blocks(p, block_samples)
    resampler = soxr.ResampleStream(rate, sample_rate, 1, dtype="float32") if rate != sample_rate else None
    pending = np.zeros(0, np.float32)
    for block in blocks:
        out = resampler.resample_chunk(block) if resampler else block
        pending = np.concatenate([pending, out.astype(np.float32, copy=False)])
        while len(pending) >= block_samples:
            yield pending[:block_samples]
            pending = pending[block_samples:]
    if resampler:
        pending = np.concatenate([pending, resampler.resample_chunk(np.zeros(0, np.float32), last=True)])
    if len(pending):
        yield pending


def load(path: str | os.PathLike[str], sample_rate: int = SAMPLE_RATE) -> tuple[np.ndarray, AudioReport]:
    """Read a whole file as mono float32 at `sample_rate`, with a report of what was found.

    Raises:
        AudioError: missing, empty, unreadable or zero-length audio.
    """
    p = _check_path(path)
    try:
        info = sf.info(str(p))
        src_rate, channels = int(info.samplerate), int(info.channels)
    except (sf.LibsndfileError, RuntimeError, TypeError):
        src_rate, channels = sample_rate, 1
    audio = np.concatenate(list(iter_blocks(p, BLOCK_SAMPLES, sample_rate)) or [np.zeros(0, np.float32)])
    if len(audio) == 0:
        raise AudioError(f"no audio samples in {p.name}")
    message = bad_sample_message(audio[:, None], 0, sample_rate)
    if message is not None:
        raise AudioError(f"{p.name}: {message}")
    report = AudioReport(
        source_rate_hz=src_rate,
        source_channels=channels,
        n_samples=len(audio),
        peak=float(np.max(np.abs(audio))),
        clipped_fraction=float(np.mean(np.abs(audio) >= 0.999)),
        dc_offset=float(np.mean(audio)),
    )
    return audio.astype(np.float32, copy=False), report


OUTPUT_FORMATS = {".wav": "WAV", ".flac": "FLAC"}


def to_pcm16(x: np.ndarray) -> np.ndarray:
    """Float samples to int16 as x 2^15 rounded, clipped at full scale (libsndfile's WAV convention; its FLAC
    writer scales by 2^15 - 1, so converting here makes both containers hold the same samples)."""
    return np.clip(np.rint(np.asarray(x, dtype=np.float64) * 32768.0), -32768, 32767).astype(np.int16)


def output_format(path: str | os.PathLike[str], float32: bool = False) -> str:
    """The soundfile container for an output path's suffix ("WAV" or "FLAC").

    Raises:
        AudioError: another suffix, or 32-bit float samples asked of FLAC.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise AudioError(f"audio is written as .wav or .flac, not {suffix or 'a file without a suffix'}: {path}")
    if float32 and suffix != ".wav":
        raise AudioError("32-bit float samples need a .wav output (FLAC stores integers)")
    return OUTPUT_FORMATS[suffix]


def save_wav(path: str | os.PathLike[str], audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write float audio as 16-bit PCM wav atomically (temp file + rename).

    Raises:
        AudioError: the destination cannot be written.
    """
    write_atomic(path, lambda tmp: sf.write(tmp, to_pcm16(audio), sample_rate, subtype="PCM_16", format="WAV"))


@dataclass(frozen=True)
class WavWritten:
    """What `save_wav_blocks` wrote: length, peak |x| before any clipping, samples clipped at full scale."""

    n_samples: int
    peak: float
    clipped: int


def save_wav_blocks(
    path: str | os.PathLike[str], blocks: Iterable[np.ndarray], sample_rate: int = SAMPLE_RATE,
    float32: bool = False,
) -> WavWritten:
    """Stream float blocks into a .wav or .flac file (by its suffix) atomically (temp file + rename): 16-bit
    PCM clipped at full scale, or 32-bit float (`float32`, .wav only, nothing clipped). Memory is one block,
    whatever the length.

    Raises:
        AudioError: an unsupported suffix or --float for .flac (before `blocks` is read from or anything
            is written: a lazy `blocks` has done no work then).
        EventCodecError: the destination cannot be written.
    """
    container = output_format(path, float32)
    n_samples, peak, clipped = 0, 0.0, 0

    def write(tmp: str) -> None:
        nonlocal n_samples, peak, clipped
        with sf.SoundFile(tmp, "w", sample_rate, 1, subtype="FLOAT" if float32 else "PCM_16",
                          format=container) as f:
            for block in blocks:
                block = np.asarray(block, dtype=np.float32)
                if len(block) == 0:
                    continue
                mag = np.abs(block)
                n_samples, peak = n_samples + len(block), max(peak, float(mag.max()))
                if not float32:
                    clipped += int(np.count_nonzero(mag > 1.0))
                    block = to_pcm16(block)
                f.write(block)

    write_atomic(path, write)
    return WavWritten(n_samples, peak, clipped)


EXAMPLE_CLIP = "traveling_minstrels_8s.flac"


def example_path() -> Path:
    """The shipped example clip (8 s, mono, 22050 Hz), from package data or a source checkout.

    Raises:
        AudioError: neither copy exists (a broken installation).
    """
    from importlib.resources import files

    candidates = [Path(str(files("eventcodec") / "data" / "examples" / EXAMPLE_CLIP)),
                  Path(__file__).resolve().parents[2] / "examples" / EXAMPLE_CLIP]
    for p in candidates:
        if p.is_file():
            return p
    raise AudioError(f"the example clip {EXAMPLE_CLIP} is missing from this installation")
