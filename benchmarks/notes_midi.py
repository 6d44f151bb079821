"""Note F1 of the encoder on seeded fluidsynth renders with known notes (issue "Events that are notes").

Pieces: 10 s each, one GM family per piece (piano, plucked, mallets, strings, winds, drums + bass), polyphony
up to 4, from `eventcodec.bench.midi_pieces`. Dev seeds (< 100) are for tuning; report the test seeds.

    .venv/bin/python benchmarks/notes_midi.py --split test [--kbps 3] [--quality default] [--out docs/x.md]
    .venv/bin/python benchmarks/notes_midi.py --split dev --tracker-only   # the note tracker alone
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from eventcodec.bench.midi_pieces import FAMILIES, Piece, piece, render_piece
from eventcodec.notes.score import NoteScore, event_notes, note_scores
from eventcodec.types import SAMPLE_RATE

SR = SAMPLE_RATE
SPLIT_SEEDS = {"dev": (0, 1), "test": (100, 101)}


def truth(p: Piece) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    on = np.array([n.onset_s for n in p.notes])
    off = np.array([n.offset_s for n in p.notes])
    f0 = np.array([np.nan if n.is_drum else n.f0_hz for n in p.notes])
    return on, off, f0


def run_codec(audio: np.ndarray, kbps: float | None, quality: str, texture: bool, notes: bool = True
              ) -> tuple[np.ndarray, ...]:
    from eventcodec.codec import encode
    from eventcodec.encode import EncodeOptions
    from eventcodec.types import EventSet

    ev = encode(audio, SR, "abs", EncodeOptions(quality=quality, bitrate_kbps=kbps, texture=texture,
                                                                  notes=notes))  # type: ignore[arg-type]
    ev = EventSet.from_bytes(ev.to_bytes())
    return event_notes(ev.times, ev.vectors, SR)


def round_trip(audio: np.ndarray) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    """Encode, export MIDI, render it with fluidsynth, encode that: (notes of the exported MIDI, events)."""
    import tempfile

    from eventcodec.bench.midi_pieces import read_midi_notes, render_midi
    from eventcodec.codec import encode
    from eventcodec.encode import EncodeOptions
    from eventcodec.export.midi import write_midi

    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp, "song.mid")
        write_midi(encode(audio, SR, "abs", EncodeOptions()), mid)
        notes = read_midi_notes(mid)
        again = render_midi(mid)
    ref = (np.array([n.onset_s for n in notes]), np.array([n.offset_s for n in notes]),
           np.array([np.nan if n.is_drum else n.f0_hz for n in notes]))
    ev = encode(again, SR, "abs", EncodeOptions())
    return ref, event_notes(ev.times, ev.vectors, SR)


def run_tracker(audio: np.ndarray) -> tuple[np.ndarray, ...]:
    from eventcodec.notes.track import track_notes

    notes = track_notes(audio, SR)
    return (np.array([n.onset_s for n in notes]), np.array([n.offset_s for n in notes]),
            np.array([n.f0_hz for n in notes]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split", choices=sorted(SPLIT_SEEDS), default="dev")
    ap.add_argument("--families", nargs="*", default=list(FAMILIES))
    ap.add_argument("--kbps", type=float, default=None)
    ap.add_argument("--quality", default="default")
    ap.add_argument("--no-texture", action="store_true")
    ap.add_argument("--no-notes", action="store_true", help="the encoder without its note stage (the pursuit alone)")
    ap.add_argument("--round-trip", action="store_true",
                    help="encode, export MIDI, render it with fluidsynth, encode again: F1 against the exported MIDI")
    ap.add_argument("--tracker-only", action="store_true", help="score the note tracker's notes, not the codec")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    head = "| piece | notes | events | P | R | F1 | events/note | pitch err (c) | offset ok | enc CPU s |"
    lines = [head, "|---|" + "---:|" * 9]
    print("\n".join(lines), flush=True)
    scores: list[NoteScore] = []
    for seed in SPLIT_SEEDS[args.split]:
        for fam in args.families:
            p = piece(fam, seed)
            audio = render_piece(p)
            t0 = time.process_time()
            ref = truth(p)
            if args.round_trip:
                ref, est = round_trip(audio)
            elif args.tracker_only:
                est = run_tracker(audio)
            else:
                est = run_codec(audio, args.kbps, args.quality, not args.no_texture, not args.no_notes)
            cpu = time.process_time() - t0
            s = note_scores(*ref, *est)
            scores.append(s)
            line = (f"| {p.name} | {s.n_notes} | {s.n_events} | {s.precision:.2f} | {s.recall:.2f} | {s.f1:.2f} | "
                    f"{s.events_per_note:.2f} | {s.pitch_cents:.1f} | {s.offset_ok:.2f} | {cpu:.1f} |")
            lines.append(line)
            print(line, flush=True)
    mean = {k: float(np.nanmean([getattr(s, k) for s in scores])) for k in
            ("precision", "recall", "f1", "events_per_note", "pitch_cents", "offset_ok")}
    line = (f"| **mean of {len(scores)}** | | | {mean['precision']:.2f} | {mean['recall']:.2f} | "
            f"**{mean['f1']:.2f}** | {mean['events_per_note']:.2f} | {mean['pitch_cents']:.1f} | "
            f"{mean['offset_ok']:.2f} | |")
    lines.append(line)
    print(line)
    print(f"load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    if args.out:
        cmd = "    .venv/bin/python benchmarks/notes_midi.py " + " ".join(argv if argv is not None else sys.argv[1:])
        args.out.write_text("Produced by:\n\n" + cmd + "\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
