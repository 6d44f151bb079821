"""Benchmark clips: read from a corpus folder's manifest.json (scripts/make_corpus.py) or any audio folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from eventcodec.errors import EventCodecError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".opus")
SPLITS = ("test", "dev", "all")


@dataclass(frozen=True)
class Clip:
    """One benchmark clip.

    Attributes:
        name: short unique name.
        path: audio file.
        split: `dev` (tune on these) or `test` (held out; reported figures).
        kind: `recording`, `midi_render` or `audio` (a folder without manifest).
    """

    name: str
    path: Path
    split: str
    kind: str


def load_corpus(root: Path, split: str = "test") -> list[Clip]:
    """Clips of `split` (`test`, `dev` or `all`) in `root`, in manifest (or name) order.

    A folder without manifest.json is taken as is: every audio file in it, all counted as `test`.

    Raises:
        EventCodecError: missing folder, bad manifest, unknown split, or no clip.
    """
    if split not in SPLITS:
        raise EventCodecError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    if not root.is_dir():
        raise EventCodecError(f"no corpus folder {root} (make one with: python scripts/make_corpus.py)")
    manifest = root / "manifest.json"
    if manifest.is_file():
        try:
            entries = json.loads(manifest.read_text())["clips"]
            clips = [Clip(str(e["name"]), root / str(e["file"]), str(e["split"]), str(e.get("kind", "audio")))
                     for e in entries]
        except (ValueError, KeyError, TypeError) as e:
            raise EventCodecError(f"bad corpus manifest {manifest}: {e}") from None
    else:
        clips = [Clip(p.stem, p, "test", "audio") for p in sorted(root.iterdir())
                 if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file()]
    missing = [c.path.name for c in clips if not c.path.is_file()]
    if missing:
        raise EventCodecError(f"corpus {root} lacks {', '.join(missing[:3])} (rerun scripts/make_corpus.py)")
    chosen = [c for c in clips if split == "all" or c.split == split]
    if not chosen:
        raise EventCodecError(f"corpus {root} has no {split} clip")
    return chosen
