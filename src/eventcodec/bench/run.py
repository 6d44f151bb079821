"""Run every system on every clip and measure it; a failing system becomes a `failed` row, never a gap."""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eventcodec import metrics
from eventcodec.bench.anchors import noise_vocoder
from eventcodec.bench.corpus import Clip
from eventcodec.bench.process import ProcessResult, run_measured
from eventcodec.bench.systems import PROCESS_ENV, System
from eventcodec.errors import EventCodecError
from eventcodec.types import SAMPLE_RATE


@dataclass
class Row:
    """One (clip, system) measurement; the unit of results.json / results.csv.

    Speeds are multiples of real time (audio seconds per wall second); memory is each process's peak RSS.
    """

    clip: str
    system: str
    family: str
    target_kbps: float | None
    duration_s: float
    status: str = "ok"
    error: str = ""
    bytes: int | None = None
    kbps: float | None = None
    st_corr: float | None = None
    fs_corr: float | None = None
    mrstft: float | None = None
    level_db: float | None = None
    visqol: float | None = None
    visqol_error: str = ""
    lag_samples: int | None = None
    align_method: str = ""
    enc_wall_s: float | None = None
    dec_wall_s: float | None = None
    enc_x_realtime: float | None = None
    dec_x_realtime: float | None = None
    enc_peak_mb: float | None = None
    dec_peak_mb: float | None = None

    def fail(self, reason: str) -> Row:
        self.status, self.error = "failed", reason
        return self

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BenchConfig:
    """Knobs of one run.

    Attributes:
        timeout_s: wall-clock limit of each encode or decode process.
        visqol: compute ViSQOL (slow-ish; needs the `[bench]` extra).
        max_seconds: cut each clip to its first `max_seconds` (None: whole clip).
        keep_dir: keep decoded audio and compressed files here (None: a temporary folder, deleted).
    """

    timeout_s: float = 900.0
    visqol: bool = True
    max_seconds: float | None = None
    keep_dir: Path | None = None


@dataclass
class _ClipAudio:
    clip: Clip
    audio: np.ndarray  # (n_samples,) float32 at 22050 Hz, as read back from the 16-bit wav the codecs get
    wavs: dict[int, Path] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def _prepare(clip: Clip, work: Path, max_seconds: float | None) -> _ClipAudio:
    from eventcodec.audio import load, save_wav

    audio, _ = load(clip.path)
    if max_seconds is not None:
        audio = audio[: round(max_seconds * SAMPLE_RATE)]
    work.mkdir(parents=True, exist_ok=True)
    ref = work / f"ref_{SAMPLE_RATE}.wav"
    save_wav(ref, audio, SAMPLE_RATE)
    ref_audio, _ = load(ref)
    return _ClipAudio(clip, ref_audio, {SAMPLE_RATE: ref})


def _input_wav(ca: _ClipAudio, rate_hz: int, work: Path) -> Path:
    """The clip as a 16-bit wav at `rate_hz` (soxr), written once per clip."""
    if rate_hz not in ca.wavs:
        import soxr

        from eventcodec.audio import save_wav

        path = work / f"ref_{rate_hz}.wav"
        save_wav(path, soxr.resample(ca.audio, SAMPLE_RATE, rate_hz, quality="VHQ"), rate_hz)
        ca.wavs[rate_hz] = path
    return ca.wavs[rate_hz]


def _record(row: Row, which: str, res: ProcessResult) -> None:
    x_rt = row.duration_s / res.wall_s if res.wall_s > 0 else None
    if which == "enc":
        row.enc_wall_s, row.enc_x_realtime, row.enc_peak_mb = res.wall_s, x_rt, res.peak_rss_mb
    else:
        row.dec_wall_s, row.dec_x_realtime, row.dec_peak_mb = res.wall_s, x_rt, res.peak_rss_mb


def _measure_quality(row: Row, reference: np.ndarray, degraded: np.ndarray, use_visqol: bool) -> Row:
    if len(degraded) == 0 or not np.all(np.isfinite(degraded)):
        return row.fail("decoded audio is empty or not finite")
    ref, deg, a = metrics.align(reference, degraded, SAMPLE_RATE)
    row.lag_samples, row.align_method = a.lag_samples, a.method
    row.st_corr = metrics.st_corr(ref, deg, SAMPLE_RATE, aligned=True)
    row.fs_corr = metrics.fs_corr(ref, deg, SAMPLE_RATE, aligned=True)
    row.mrstft = metrics.mrstft(ref, deg, SAMPLE_RATE, aligned=True)
    row.level_db = _level_error_db(reference, degraded)
    if not use_visqol:
        row.visqol_error = "not computed (--no-visqol)"
        return row
    try:
        row.visqol = metrics.visqol(ref, deg, SAMPLE_RATE, aligned=True)
    except Exception as e:
        row.visqol_error = f"{type(e).__name__}: {e}"[:200]
    return row


def _level_error_db(reference: np.ndarray, degraded: np.ndarray) -> float | None:
    """Integrated loudness (BS.1770) of the decode minus the input's, dB; None when either is silent."""
    from eventcodec.loudness import measure

    diff = measure(degraded, SAMPLE_RATE).lufs - measure(reference, SAMPLE_RATE).lufs
    return float(diff) if math.isfinite(diff) else None


def _run_codec(system: System, ca: _ClipAudio, work: Path, cfg: BenchConfig, row: Row) -> Row:
    from eventcodec.audio import load

    missing = system.missing_tool()
    if missing:
        return row.fail(f"{missing} is not installed")
    cmds = system.commands(_input_wav(ca, system.input_rate_hz, work.parent), work)
    enc = run_measured(cmds.encode, cfg.timeout_s, PROCESS_ENV)
    _record(row, "enc", enc)
    if not enc.ok:
        return row.fail(f"encode: {enc.error}")
    if not cmds.compressed_path.is_file():
        return row.fail("encode wrote no file")
    row.bytes = cmds.compressed_path.stat().st_size
    row.kbps = row.bytes * 8 / ca.duration_s / 1000
    dec = run_measured(cmds.decode, cfg.timeout_s, PROCESS_ENV)
    _record(row, "dec", dec)
    if not dec.ok:
        return row.fail(f"decode: {dec.error}")
    try:
        decoded, _ = load(cmds.decoded_path)  # soxr back to 22050 Hz where the codec decoded at another rate
    except EventCodecError as e:
        return row.fail(f"decoded file unreadable: {e}")
    return _measure_quality(row, ca.audio, decoded, cfg.visqol)


def _anchor_signal(system: System, ca: _ClipAudio, other: _ClipAudio | None) -> np.ndarray | str:
    """The anchor's degraded signal, or the reason it cannot be made."""
    if system.name == "anchor:lowpass-4k":
        return metrics.lowpass(ca.audio, SAMPLE_RATE, 4000.0)
    if system.name == "anchor:wrong-clip":
        if other is None:
            return "needs a second clip in the corpus"
        sig = other.audio[: len(ca.audio)]
        return np.pad(sig, (0, len(ca.audio) - len(sig)))
    if system.name in ("anchor:noise-vocoder", "anchor:noise-vocoder-masked"):
        return noise_vocoder(ca.audio, SAMPLE_RATE, masked=system.name.endswith("masked"))
    return f"unknown anchor {system.name}"


def run_clip(ca: _ClipAudio, other: _ClipAudio | None, systems: list[System], work: Path, cfg: BenchConfig,
             on_row: Callable[[Row], None]) -> None:
    """Measure every system on one prepared clip; `on_row` gets each finished row."""
    for system in systems:
        row = Row(ca.clip.name, system.name, system.family, system.target_kbps, ca.duration_s)
        if system.is_anchor:
            sig = _anchor_signal(system, ca, other)
            row = row.fail(sig) if isinstance(sig, str) else _measure_quality(row, ca.audio, sig, cfg.visqol)
        else:
            sys_dir = work / system.name.replace("/", "_").replace(":", "_")
            sys_dir.mkdir(parents=True, exist_ok=True)
            try:
                row = _run_codec(system, ca, sys_dir, cfg, row)
            except Exception as e:
                row = row.fail(f"harness: {type(e).__name__}: {e}"[:300])
        on_row(row)


def run_bench(clips: list[Clip], systems: list[System], cfg: BenchConfig, progress: bool = False,
              on_row: Callable[[Row], None] | None = None) -> list[Row]:
    """All rows for `clips` x `systems`, clip by clip. The wrong-clip anchor of clip i is clip i+1 (cyclic)."""
    from tqdm import tqdm

    if not clips:
        raise EventCodecError("no clips to benchmark")
    rows: list[Row] = []
    root = cfg.keep_dir or Path(tempfile.mkdtemp(prefix="eventcodec-bench-"))
    bar = tqdm(total=len(clips) * len(systems), desc="bench", unit="run", disable=not progress)

    def add(row: Row) -> None:
        rows.append(row)
        bar.set_postfix_str(f"{row.clip} {row.system} {row.status}")
        bar.update(1)
        if on_row:
            on_row(row)

    try:
        prepared = [_prepare(c, root / c.name, cfg.max_seconds) for c in clips]
        for i, ca in enumerate(prepared):
            other = prepared[(i + 1) % len(prepared)] if len(prepared) > 1 else None
            run_clip(ca, other, systems, root / ca.clip.name, cfg, add)
    finally:
        bar.close()
        if cfg.keep_dir is None:
            shutil.rmtree(root, ignore_errors=True)
    return rows
