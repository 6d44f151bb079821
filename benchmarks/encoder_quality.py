"""Quality of the `abs` encoder beside Opus and the anchors, on clips of real music.

Every row is a real round trip: encode -> EventSet.to_bytes() -> from_bytes -> decode. Metrics come from
`eventcodec.metrics` (ST-corr, MR-STFT distance, ViSQOL when installed); see DESIGN.md "Measuring quality
honestly". Anchors: the reference low-passed at 4 kHz, and a different clip of the same list ("wrong clip").

    .venv/bin/python benchmarks/encoder_quality.py CLIP [CLIP ...] --seconds 30 --kbps 1.5 3 6 \
        --opus 6 12 --gabor --out docs/encoder_results_table.md
A clip is `path` or `path@start_s` (the crop starts there). Interpretability check on MIDI renders:

    .venv/bin/python benchmarks/encoder_quality.py --midi-check 1 2 3 --kbps 3
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
    t0 = time.process_time()  # CPU time: the wall clock depends on what else shares the machine
    events = encode(ref, SR, "abs", EncodeOptions(quality=quality, bitrate_kbps=kbps))  # type: ignore[arg-type]
    enc_s = time.process_time() - t0
    data = events.to_bytes()
    back = EventSet.from_bytes(data)
    t1 = time.process_time()
    out = decode(back)[: len(ref)]
    dec_s = time.process_time() - t1
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
    """The Gabor-atom matching-pursuit baseline (`eventcodec.baselines`) at `kbps`, if installed."""
    try:
        from eventcodec.baselines.gabor import encode_gabor
        from eventcodec.baselines.gabor_atoms import synthesize
        from eventcodec.baselines.gabor_format import atoms_to_bytes
    except ImportError:
        return {}
    atoms = encode_gabor(ref, SR, bitrate_kbps=kbps)
    n_bytes = len(atoms_to_bytes(atoms))
    out = np.asarray(synthesize(atoms), np.float32)[: len(ref)]
    row = score(ref, np.pad(out, (0, max(0, len(ref) - len(out)))))
    row.update(kbps=8 * n_bytes / (len(ref) / SR) / 1000)
    return row


def write_test_midi(path: Path, seed: int = 0, n_notes: int = 40, program: int = 0) -> list[tuple[float, int]]:
    """A MIDI file of random notes and a few two-note chords; returns the (onset_s, midi pitch) list."""
    import mido

    rng = np.random.default_rng(seed)
    mid = mido.MidiFile(ticks_per_beat=480)  # 120 bpm: 960 ticks per second
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.Message("program_change", program=program, time=0))
    notes: list[tuple[float, int]] = []
    t_s = 0.2
    events: list[tuple[float, mido.Message]] = []
    for _ in range(n_notes):
        chord = [int(rng.integers(45, 80))]
        if rng.random() < 0.25:
            chord.append(chord[0] + int(rng.choice([4, 7, 12])))
        dur = float(rng.choice([0.25, 0.4, 0.6]))
        for pitch in chord:
            notes.append((t_s, pitch))
            events.append((t_s, mido.Message("note_on", note=pitch, velocity=int(rng.integers(70, 110)))))
            events.append((t_s + dur, mido.Message("note_off", note=pitch, velocity=0)))
        t_s += dur + float(rng.choice([0.0, 0.1, 0.2]))
    now = 0.0
    for at, msg in sorted(events, key=lambda e: (e[0], e[1].type == "note_on")):
        track.append(msg.copy(time=round((at - now) * 960)))
        now = at
    mid.save(str(path))
    return notes


def _match(ref: np.ndarray, est: np.ndarray, tol: float) -> int:
    """Greedy one-to-one matches of sorted times within `tol`."""
    i = j = hits = 0
    while i < len(ref) and j < len(est):
        if abs(ref[i] - est[j]) <= tol:
            hits, i, j = hits + 1, i + 1, j + 1
        elif est[j] < ref[i]:
            j += 1
        else:
            i += 1
    return hits


def midi_check(seeds: list[int], quality: str, kbps: float | None, program: int) -> None:
    """Onset F1 (50 ms) and pitch accuracy (50 cents) of events on fluidsynth renders of known notes."""
    from eventcodec.bench.midi_pieces import render_midi
    from eventcodec.controls import INDEX, to_physical

    print("| midi seed | notes | events | onset P | onset R | onset F1 | pitched events on a note | f0 within 50 c |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            midi = Path(tmp, "x.mid")
            notes = write_test_midi(midi, seed, program=program)
            audio = render_midi(midi, SR)
        events = encode(audio, SR, "abs", EncodeOptions(quality=quality, bitrate_kbps=kbps))  # type: ignore[arg-type]
        note_on = np.unique(np.array([t for t, _ in notes]))
        ev_t = np.sort(events.times / SR)
        merged = ev_t[np.concatenate([[True], np.diff(ev_t) > 0.03])] if len(ev_t) else ev_t
        hits = _match(note_on, merged, 0.05)
        p = hits / max(len(merged), 1)
        r = hits / max(len(note_on), 1)
        f1 = 2 * p * r / max(p + r, 1e-9)
        phys = to_physical(events.vectors)
        on_note = ok = 0
        for t, ph in zip(events.times / SR, phys, strict=True):
            if ph[INDEX["tonal_mix"]] < 0.5:
                continue
            sounding = [m for (n_t, m) in notes if abs(n_t - t) <= 0.05]
            if not sounding:
                continue
            on_note += 1
            cents = [abs(1200 * np.log2(ph[INDEX["f0_hz"]] / (440 * 2 ** ((m - 69) / 12)))) for m in sounding]
            ok += min(cents) < 50
        print(f"| {seed} | {len(notes)} | {len(events)} | {p:.2f} | {r:.2f} | {f1:.2f} | {on_note} | "
              f"{ok / max(on_note, 1):.2f} |", flush=True)


# speed_x: audio seconds encoded per CPU second (one torch thread); loud_db: decoded re input level
COLUMNS = ("kbps", "visqol", "st_corr", "mrstft", "speed_x", "ev_per_s", "loud_db")


def fmt_row(clip: str, system: str, row: dict[str, float]) -> str:
    cells = [f"{row[c]:.3g}" if c in row and np.isfinite(row[c]) else "" for c in COLUMNS]
    return f"| {clip} | {system} | " + " | ".join(cells) + " |"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="*")
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--kbps", type=float, nargs="*", default=[1.5, 3.0, 6.0])
    ap.add_argument("--quality", default="default")
    ap.add_argument("--opus", type=float, nargs="*", default=[6.0, 12.0])
    ap.add_argument("--gabor", action="store_true", help="add the Gabor MP baseline at the same bitrates")
    ap.add_argument("--anchors", action="store_true", help="add the 4 kHz low-pass and wrong-clip rows")
    ap.add_argument("--out", type=Path, default=None, help="also write the table (markdown) here")
    ap.add_argument("--midi-check", type=int, nargs="*", default=None, metavar="SEED",
                    help="instead: onset F1 / pitch accuracy on fluidsynth renders of random MIDI notes")
    ap.add_argument("--program", type=int, default=0, help="General MIDI program for --midi-check")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    if args.midi_check is not None:
        midi_check(args.midi_check or [0], args.quality, args.kbps[0] if args.kbps else None, args.program)
        return 0
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
