"""How well instrument labels (`eventcodec.edit.instruments`) follow the true instruments of MIDI mixes.

Each mix sums the seeded pieces of two or three families (dev seeds < 100 only: the labels' constants were chosen
on these), so the true instrument of a note is known: its piece's GM program, or "drums" for a drum note.
Events are matched to notes one-to-one (`notes.score.match_notes`); for the matched events the table
gives each label's true instruments (a confusion count) and the purity (share of matched events whose
label's majority instrument is their own), beside the purity of one label for all (the share of the
commonest instrument), and the inverse purity (share whose instrument's majority label is their own).

    .venv/bin/python benchmarks/instruments_midi.py [--quality fast] [--cache /tmp/instr] [--out docs/x.md]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from eventcodec.bench.midi_pieces import DEV_SEEDS_END, Piece, piece, render_piece
from eventcodec.types import SAMPLE_RATE, EventSet

MIXES: dict[str, tuple[tuple[str, int], ...]] = {  # name -> (family, seed) of its pieces; dev seeds only
    "mixA": (("piano", 0), ("strings", 0), ("drums_bass", 0)),
    "mixB": (("plucked", 1), ("winds", 1), ("mallets", 1)),
    "mixC": (("strings", 1), ("mallets", 0)),
    "mixD": (("winds", 0), ("piano", 1)),
}


def encode_mix(pieces: list[Piece], quality: str, cache: Path, name: str) -> EventSet:
    """The mix's events, encoded once and cached as .evc."""
    path = cache / f"{name}_{quality}.evc"
    if not path.is_file():
        from eventcodec.codec import encode
        from eventcodec.encode import EncodeOptions

        audio = sum(render_piece(p) for p in pieces) / len(pieces) * 1.5
        ev = encode(np.asarray(audio, np.float32), SAMPLE_RATE, "abs", EncodeOptions(quality=quality))  # type: ignore[arg-type]
        path.write_bytes(ev.to_bytes())
    return EventSet.from_bytes(path.read_bytes())


def truth(pieces: list[Piece]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(onset_s, f0_hz with NaN for drums, instrument name) of every note of the mix."""
    on, f0, who = [], [], []
    for p in pieces:
        for n in p.notes:
            on.append(n.onset_s)
            f0.append(np.nan if n.is_drum else n.f0_hz)
            who.append("drums" if n.is_drum else f"{p.family}:{p.program}")
    return np.array(on), np.array(f0), who


def score(events: EventSet, pieces: list[Piece]) -> tuple[dict[int, Counter[str]], float, float, float, int, int]:
    """(label -> Counter of true instruments of its matched events, purity, purity of one label for all,
    inverse purity, matched, events)."""
    from eventcodec.edit.instruments import instruments
    from eventcodec.notes.score import event_notes, match_notes

    labels = instruments(events)
    ev_on, _, ev_f0 = event_notes(events.times, events.vectors, events.sample_rate)
    on, f0, who = truth(pieces)
    pairs = match_notes(on, f0, ev_on, ev_f0)
    table: dict[int, Counter[str]] = {}
    for i, j in pairs:
        table.setdefault(int(labels[j]), Counter())[who[i]] += 1
    m = len(pairs)
    purity = sum(c.most_common(1)[0][1] for c in table.values()) / max(m, 1)
    by_true: dict[str, Counter[int]] = {}
    for i, j in pairs:
        by_true.setdefault(who[i], Counter())[int(labels[j])] += 1
    inverse = sum(c.most_common(1)[0][1] for c in by_true.values()) / max(m, 1)
    one_label = max((sum(c.values()) for c in by_true.values()), default=0) / max(m, 1)
    return table, purity, one_label, inverse, m, len(events)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quality", default="fast")
    ap.add_argument("--cache", default="/tmp/eventcodec_instruments")
    ap.add_argument("--mixes", nargs="+", default=list(MIXES))
    ap.add_argument("--out", help="also write the table to this markdown file")
    args = ap.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    from eventcodec.edit.instruments import describe, instruments

    lines = [f"quality `{args.quality}`, default settings (notes + hits + pursuit + texture)", ""]
    for name in args.mixes:
        pieces = [piece(f, s) for f, s in MIXES[name]]
        assert all(s < DEV_SEEDS_END for _, s in MIXES[name])
        events = encode_mix(pieces, args.quality, cache, name)
        table, purity, one_label, inverse, m, n = score(events, pieces)
        infos = describe(events, instruments(events))
        lines += [f"### {name}: " + " + ".join(f"{p.family} (program {p.program})" for p in pieces), "",
                  f"{n} events, {len(infos)} instruments, {m} matched to notes; "
                  f"purity {purity:.2f} (one label for all: {one_label:.2f}), inverse purity {inverse:.2f}", "",
                  "| label | events | description | matched notes by true instrument |", "|---:|---:|---|---|"]
        for info in infos:
            c = table.get(info.index, Counter())
            lines.append(f"| {info.index} | {info.n_events} | {info.description} | "
                         + ", ".join(f"{k} {v}" for k, v in c.most_common()) + " |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(f"```sh\n{' '.join(['.venv/bin/python', *sys.argv])}\n```\n\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
