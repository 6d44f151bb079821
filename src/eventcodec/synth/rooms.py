"""The room bank: 8 shipped impulse responses (made by scripts/make_rooms.py) plus user IR files by name.

Every IR is returned mono, 22050 Hz, at most MAX_IR_SAMPLES long and scaled to unit energy, so a
room's wet signal has about the RMS of its dry input. User rooms: `<name>.wav` (or .flac) in the
folder named by $EVENTCODEC_ROOMS (default ~/.local/share/eventcodec/rooms), or any path to a file.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import torch

from eventcodec.errors import EventCodecError
from eventcodec.types import SAMPLE_RATE

ROOM_NAMES: tuple[str, ...] = (
    "booth", "small_room", "studio", "living_room", "chamber", "hall", "church", "cathedral",
)
MAX_IR_SAMPLES = int(1.5 * SAMPLE_RATE)
SHIPPED_DIR = Path(__file__).resolve().parent.parent / "data" / "rooms"
_EXTENSIONS = (".wav", ".flac")


def user_room_dir() -> Path:
    """The folder searched for user rooms by name."""
    return Path(os.environ.get("EVENTCODEC_ROOMS", Path.home() / ".local" / "share" / "eventcodec" / "rooms"))


def user_room_names() -> tuple[str, ...]:
    """Names of the IR files in the user room folder (sorted)."""
    d = user_room_dir()
    if not d.is_dir():
        return ()
    return tuple(sorted(p.stem for p in d.iterdir() if p.suffix.lower() in _EXTENSIONS))


def _resolve(name_or_path: str | os.PathLike[str]) -> Path:
    s = str(name_or_path)
    if s in ROOM_NAMES:
        return SHIPPED_DIR / f"{ROOM_NAMES.index(s):02d}_{s}.wav"
    for ext in _EXTENSIONS:
        p = user_room_dir() / f"{s}{ext}"
        if p.is_file():
            return p
    p = Path(s)
    if p.is_file():
        return p
    known = ", ".join(ROOM_NAMES + user_room_names())
    raise EventCodecError(f"unknown room {s!r}: not a shipped or user room name nor a file; known: {known}")


@functools.lru_cache(maxsize=64)
def _load(path: str) -> np.ndarray:
    import soundfile as sf

    try:
        ir, sr = sf.read(path, dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as e:
        raise EventCodecError(f"cannot read room impulse response {path}: {e}") from None
    ir = ir.mean(axis=1)
    if sr != SAMPLE_RATE:
        import soxr

        ir = soxr.resample(ir, sr, SAMPLE_RATE)
    ir = ir[:MAX_IR_SAMPLES]
    energy = float(np.sum(ir**2))
    if not np.isfinite(energy) or energy <= 0.0:
        raise EventCodecError(f"room impulse response {path} is silent or invalid")
    out = (ir / np.sqrt(energy)).astype(np.float32)
    out.setflags(write=False)
    return out


def load_room(name_or_path: str | os.PathLike[str]) -> np.ndarray:
    """A room IR by shipped name, user-folder name or file path: float32 (ir_len,), unit energy, 22050 Hz."""
    return _load(str(_resolve(name_or_path)))


def room_bank(names: tuple[str, ...] = ROOM_NAMES) -> torch.Tensor:
    """IRs stacked and zero-padded: float32 (n_rooms, ir_len); row i is what `room_id` = i selects."""
    irs = [load_room(n) for n in names]
    bank = np.zeros((len(irs), max(len(x) for x in irs)), dtype=np.float32)
    for i, x in enumerate(irs):
        bank[i, : len(x)] = x
    return torch.from_numpy(bank)


def room_lengths(names: tuple[str, ...] = ROOM_NAMES) -> np.ndarray:
    """Length in samples of each IR, int64 (n_rooms,)."""
    return np.array([len(load_room(n)) for n in names], dtype=np.int64)
