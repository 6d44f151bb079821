"""Quality of the `abs` encoder beside Opus and the anchors, on clips of real music.

Every row is a real round trip: encode -> EventSet.to_bytes() -> from_bytes -> decode. Metrics come from
`eventcodec.metrics` (ST-corr, MR-STFT distance, ViSQOL when installed); see DESIGN.md "Measuring quality
honestly". Anchors: the reference low-passed at 4 kHz, and a different clip of the same list ("wrong clip").

    .venv/bin/python benchmarks/encoder_quality.py CLIP [CLIP ...] --seconds 30 --kbps 1.5 3 6 \
        --opus 6 12 --gabor --out docs/encoder_results_table.md
A clip is `path` or `path@start_s` (the crop starts there).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from eventcodec import metrics
from eventcodec.audio import load
from eventcodec.codec import decode, encode
from eventcodec.encode import EncodeOptions
from eventcodec.types import SAMPLE_RATE, EventSet

SR = SAMPLE_RATE


def load_clip(spec: str, seconds: float) -> tuple[str, np.ndarray]:
    """`path[@start_s]` -> (name, mono float32 crop of `seconds`)."""
    path, _, start = spec.partition("@")
    audio, _ = load(path)
    s0 = int(float(start or 0) * SR)
    crop = audio[s0 : s0 + int(seconds * SR)]
    name = Path(path).stem + (f"@{start}" if start else "")
    return name, crop.astype(np.float32)


def score(ref: np.ndarray, deg: np.ndarray) -> dict[str, float]:
    """ST-corr, MR-STFT and (if available) ViSQOL of `deg` against `ref`, after alignment."""
    r, d, _ = metrics.align(ref, deg, SR)
    out = {"st_corr": metrics.st_corr(r, d, SR, aligned=True), "mrstft": metrics.mrstft(r, d, SR, aligned=True)}
    out["visqol"] = metrics.visqol(r, d, SR, aligned=True) if metrics.visqol_available() else float("nan")
    return out


def run_abs(ref: np.ndarray, kbps: float | None, quality: str) -> dict[str, float]:
    """Encode -> bytes -> decode with the abs encoder; metrics plus bitrate, speed and events/s."""
    dur = len(ref) / SR
    t0 = time.perf_counter()
    events = encode(ref, SR, "abs", EncodeOptions(quality=quality, bitrate_kbps=kbps))  # type: ignore[arg-type]
    enc_s = time.perf_counter() - t0
    data = events.to_bytes()
    back = EventSet.from_bytes(data)
    t1 = time.perf_counter()
    out = decode(back)[: len(ref)]
    dec_s = time.perf_counter() - t1
    row = score(ref, out)
    row.update(kbps=8 * len(data) / dur / 1000, speed_x=dur / enc_s, dec_speed_x=dur / dec_s,
               ev_per_s=len(events) / dur, loud_db=10 * np.log10((out**2).mean() / ((ref**2).mean() + 1e-12) + 1e-12))
    return row


def run_opus(ref: np.ndarray, kbps: float) -> dict[str, float]:
    """Round trip through opusenc/opusdec at `kbps`."""
    if shutil.which("opusenc") is None:
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        src, enc, dec = Path(tmp, "a.wav"), Path(tmp, "a.opus"), Path(tmp, "b.wav")
        sf.write(src, ref, SR, subtype="PCM_16")
        subprocess.run(["opusenc", "--quiet", "--bitrate", str(kbps), str(src), str(enc)], check=True)
        subprocess.run(["opusdec", "--quiet", "--rate", str(SR), str(enc), str(dec)], check=True)
        out, _ = sf.read(dec, dtype="float32")
        size = enc.stat().st_size
    row = score(ref, out[: len(ref)] if out.ndim == 1 else out.mean(1)[: len(ref)])
    row.update(kbps=8 * size / (len(ref) / SR) / 1000)
    return row


def run_gabor(ref: np.ndarray, kbps: float) -> dict[str, float]:
    """The Gabor-atom matching-pursuit baseline at `kbps`, if the baselines package provides it."""
    try:
        from eventcodec.baselines import gabor
    except ImportError:
        return {}
    fn = getattr(gabor, "roundtrip", None)
    if fn is None:
        return {}
    out, n_bytes = fn(ref, SR, kbps)
    row = score(ref, np.asarray(out, np.float32)[: len(ref)])
    row.update(kbps=8 * n_bytes / (len(ref) / SR) / 1000)
    return row


COLUMNS = ("kbps", "visqol", "st_corr", "mrstft", "speed_x", "ev_per_s", "loud_db")


def fmt_row(clip: str, system: str, row: dict[str, float]) -> str:
    cells = [f"{row[c]:.3g}" if c in row and np.isfinite(row[c]) else "" for c in COLUMNS]
    return f"| {clip} | {system} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--kbps", type=float, nargs="*", default=[1.5, 3.0, 6.0])
    ap.add_argument("--quality", default="default")
    ap.add_argument("--opus", type=float, nargs="*", default=[6.0, 12.0])
    ap.add_argument("--gabor", action="store_true", help="add the Gabor MP baseline at the same bitrates")
    ap.add_argument("--anchors", action="store_true", help="add the 4 kHz low-pass and wrong-clip rows")
    ap.add_argument("--out", type=Path, default=None, help="also write the table (markdown) here")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    clips = [load_clip(c, args.seconds) for c in args.clips]
    lines = ["| clip | system | " + " | ".join(COLUMNS) + " |", "|" + "---|" * (len(COLUMNS) + 2)]
    print("\n".join(lines), flush=True)
    sums: dict[str, list[dict[str, float]]] = {}

    def emit(clip: str, system: str, row: dict[str, float]) -> None:
        if not row:
            return
        line = fmt_row(clip, system, row)
        lines.append(line)
        print(line, flush=True)
        sums.setdefault(system, []).append(row)

    for i, (name, ref) in enumerate(clips):
        for k in args.kbps:
            emit(name, f"abs {args.quality} @{k:g}k", run_abs(ref, k, args.quality))
            if args.gabor:
                emit(name, f"gabor-mp @{k:g}k", run_gabor(ref, k))
        for k in args.opus:
            emit(name, f"opus @{k:g}k", run_opus(ref, k))
        if args.anchors:
            emit(name, "anchor: 4 kHz low-pass", score(ref, metrics.lowpass(ref, SR)))
            other = clips[(i + 1) % len(clips)][1]
            if len(clips) > 1:
                n = min(len(ref), len(other))
                emit(name, "anchor: wrong clip", score(ref[:n], other[:n]))
    lines += ["", "| mean over clips | system | " + " | ".join(COLUMNS) + " |", "|" + "---|" * (len(COLUMNS) + 2)]
    for system, rows in sums.items():
        mean = {c: float(np.nanmean([r.get(c, np.nan) for r in rows])) for c in COLUMNS}
        lines.append(fmt_row(f"{len(rows)} clips", system, mean))
    print("\n".join(lines[-len(sums) - 3 :]))
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB", file=sys.stderr)
    if args.out:
        cmd = "    .venv/bin/python benchmarks/encoder_quality.py " + " ".join(argv or sys.argv[1:])
        args.out.write_text("Produced by:\n\n" + cmd + "\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
