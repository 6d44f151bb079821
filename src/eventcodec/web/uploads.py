"""Receiving audio: stream the request body to the session folder with a byte limit, then sniff and probe it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from eventcodec.errors import AudioError, EventCodecError
from eventcodec.input_checks import scan_file
from eventcodec.web.security import Limits, new_id, sniff_audio

SNIFF_BYTES = 64


class TooLargeError(EventCodecError):
    """An upload over the size limit (HTTP 413)."""


class DroppedError(EventCodecError):
    """The client went away in the middle of an upload."""


@dataclass(frozen=True)
class Probe:
    """What an accepted upload holds."""

    format: str
    duration_s: float
    sample_rate_hz: int
    channels: int


async def receive_to_file(chunks: AsyncIterator[bytes], folder: Path, max_bytes: int,
                          empty: str = "empty upload: choose an audio file") -> tuple[Path, bytes]:
    """Write a streamed body to a fresh file in `folder`; the file is removed on any failure.

    Returns:
        (path of the written file, its first SNIFF_BYTES bytes).

    Raises:
        TooLargeError: more than `max_bytes` arrived.
        DroppedError: the client disconnected before the end.
    """
    from starlette.requests import ClientDisconnect

    path = folder / f"upload-{new_id()}.part"
    head, total = b"", 0
    try:
        with open(path, "xb") as f:
            async for chunk in chunks:
                total += len(chunk)
                if total > max_bytes:
                    raise TooLargeError(f"upload too large: the limit is {max_bytes // 2**20} MiB")
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                f.write(chunk)
    except ClientDisconnect:
        path.unlink(missing_ok=True)
        raise DroppedError("upload cancelled") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if total == 0:
        path.unlink(missing_ok=True)
        raise AudioError(empty)
    return path, head


def probe(path: Path, head: bytes, limits: Limits, clip_s: float | None = None) -> Probe:
    """Check the content (not the name) is audio we read, and within the duration limit (its first
    `clip_s` seconds, when only those are to be encoded).

    Raises:
        AudioError: unknown content, unreadable audio, or longer than `limits.max_duration_s`.
    """
    import soundfile as sf

    kind = sniff_audio(head)
    if kind is None:
        raise AudioError("not an audio file the studio reads: send WAV, FLAC, Ogg (Vorbis/Opus), MP3 or AIFF")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        raise AudioError(f"the file looks like {kind.upper()} but cannot be decoded") from None
    if info.frames <= 0 or info.samplerate <= 0:
        raise AudioError("the file holds no audio samples")
    duration_s = info.frames / info.samplerate
    if min(duration_s, clip_s or duration_s) > limits.max_duration_s:
        raise AudioError(f"audio too long: {duration_s:.1f} s, the limit is {limits.max_duration_s:g} s; "
                         "set 'first ... s' to encode only its beginning")
    scan_file(path)  # NaN, infinite or absurd samples: the same one-line refusal as `eventcodec encode`
    return Probe(kind, float(duration_s), int(info.samplerate), int(info.channels))


def adopt(upload: Path, folder: Path, kind: str) -> Path:
    """Rename an accepted upload to the session's single input file (server-chosen name)."""
    for old in folder.glob("input-*"):
        old.unlink(missing_ok=True)
    final = folder / f"input-{new_id()[:8]}.{kind}"  # a new name per upload: caches keyed by it never go stale
    os.replace(upload, final)
    return final
