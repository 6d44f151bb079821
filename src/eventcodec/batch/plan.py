"""Which files a batch run works on: walk the input tree and mirror it into the output tree."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from eventcodec.errors import EventCodecError

Kind = Literal["encode", "decode"]

# Extensions `encode-many` picks up; anything else in a library (covers, cue sheets, notes) is ignored.
AUDIO_EXTENSIONS = frozenset({
    ".wav", ".flac", ".ogg", ".oga", ".mp3", ".opus", ".m4a", ".aac", ".aif", ".aiff", ".aifc",
    ".wma", ".mka", ".webm", ".caf", ".au", ".w64", ".wv",
})
EVC_EXTENSIONS = frozenset({".evc"})
OUTPUT_SUFFIX: dict[Kind, str] = {"encode": ".evc", "decode": ".wav"}


@dataclass(frozen=True)
class Job:
    """One file to encode or decode.

    Attributes:
        kind: `encode` (audio -> .evc) or `decode` (.evc -> .wav).
        rel: input path relative to the input folder, POSIX style (the manifest key).
        input_path: absolute input path.
        output_rel: output path relative to the output folder, POSIX style.
        output_path: absolute output path.
        settings: JSON-able settings that determine the output bytes.
        size_bytes: input size when planned.
        mtime_ns: input modification time when planned.
    """

    kind: Kind
    rel: str
    input_path: str
    output_rel: str
    output_path: str
    settings: dict[str, Any] = field(default_factory=dict)
    size_bytes: int = 0
    mtime_ns: int = 0


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def find_inputs(in_dir: Path, extensions: frozenset[str], exclude: Path | None = None) -> list[Path]:
    """Files under `in_dir` with one of `extensions`, sorted; hidden files/folders and `exclude` skipped."""
    found: list[Path] = []
    for root, dirs, files in os.walk(in_dir):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and not (exclude is not None and _is_within((here / d).resolve(), exclude)))
        found.extend(here / name for name in sorted(files)
                     if not name.startswith(".") and Path(name).suffix.lower() in extensions)
    return found


def output_rels(input_rels: list[str], suffix: str) -> list[str]:
    """Mirror input paths with `suffix`; inputs that would collide (a.wav, a.flac) keep their extension."""
    plain = [str(Path(rel).with_suffix(suffix).as_posix()) for rel in input_rels]
    counts = Counter(plain)
    return [p if counts[p] == 1 else rel + suffix for rel, p in zip(input_rels, plain, strict=True)]


def plan_jobs(kind: Kind, in_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str],
              settings: dict[str, Any]) -> list[Job]:
    """The jobs for every input file under `in_dir`, outputs mirrored under `out_dir`.

    Raises:
        EventCodecError: `in_dir` is missing or not a folder, or `out_dir` is a file.
    """
    src, dst = Path(in_dir).resolve(), Path(out_dir).resolve()
    if not src.is_dir():
        raise EventCodecError(f"input folder {in_dir} does not exist or is not a folder")
    if dst.exists() and not dst.is_dir():
        raise EventCodecError(f"output {out_dir} exists and is not a folder")
    extensions = AUDIO_EXTENSIONS if kind == "encode" else EVC_EXTENSIONS
    exclude = dst if dst != src and _is_within(dst, src) else None
    paths = find_inputs(src, extensions, exclude)
    rels = [p.relative_to(src).as_posix() for p in paths]
    jobs = []
    for path, rel, out_rel in zip(paths, rels, output_rels(rels, OUTPUT_SUFFIX[kind]), strict=True):
        st = path.stat()
        jobs.append(Job(kind=kind, rel=rel, input_path=str(path), output_rel=out_rel,
                        output_path=str(dst / out_rel), settings=dict(settings),
                        size_bytes=st.st_size, mtime_ns=st.st_mtime_ns))
    return jobs
