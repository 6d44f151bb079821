"""Make the editing/interpretability figures in docs/figures/ from real music with the real encoder.

    .venv/bin/python docs/figures/make_figures.py [--quality fast|default|best] [--out docs/figures]

Encodes the example clip (8 s) and, for the t-SNE map, 8 s of a second real piece (Wesnoth's
"elvish-theme.ogg" when installed), then writes timeline.png (and timeline_tsne.png, the paper's view), map.png, stages.png and controls.png
and prints what it drew.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from eventcodec import controls, edit
from eventcodec.audio import load
from eventcodec.codec import encode
from eventcodec.encode import EncodeOptions
from eventcodec.types import SAMPLE_RATE, EventSet
from eventcodec.viz import plot_controls, plot_event_map, plot_stages, plot_timeline
from eventcodec.viz._mpl import save

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "examples" / "traveling_minstrels_8s.flac"
SECOND = Path("/usr/share/games/wesnoth/1.16/data/core/music/elvish-theme.ogg")
SECOND_START_S, SECOND_LEN_S = 20.0, 8.0


def _encode(audio: np.ndarray, quality: str, name: str, cache: Path | None) -> EventSet:
    cached = cache / f"{Path(name).stem}_{quality}.evc" if cache else None
    if cached is not None and cached.exists():
        es = EventSet.from_bytes(cached.read_bytes())
        print(f"{name}: {len(es)} events read from {cached}", file=sys.stderr)
        return es
    t0 = time.perf_counter()
    es = encode(audio, SAMPLE_RATE, "abs", EncodeOptions(quality=quality))  # type: ignore[arg-type]
    took = time.perf_counter() - t0
    print(f"{name}: {len(es)} events in {len(audio) / SAMPLE_RATE:.2f} s of audio, encoded in {took:.1f} s",
          file=sys.stderr)
    if cached is not None:
        cached.write_bytes(es.to_bytes())
    return es


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="default", choices=("fast", "default", "best"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "figures"))
    parser.add_argument("--cache", help="folder to keep the encoded .evc files in and reuse them from")
    args = parser.parse_args()
    out = Path(args.out)
    cache = Path(args.cache) if args.cache else None
    audio, _ = load(CLIP)
    es = _encode(audio, args.quality, CLIP.name, cache)
    pitched = edit.pitched_mask(es)
    print(f"pitched events: {int(pitched.sum())} of {len(es)}")
    save(plot_timeline(es, audio, title=f"{CLIP.name}: {len(es)} events over the input spectrogram"),
         out / "timeline.png")
    save(plot_timeline(es, audio, title=f"{CLIP.name}: the paper's view (height = 1-D t-SNE)", view="tsne"),
         out / "timeline_tsne.png")

    sets = [(CLIP.stem, es)]
    if SECOND.exists():
        other, _ = load(SECOND)
        start = round(SECOND_START_S * SAMPLE_RATE)
        other = other[start : start + round(SECOND_LEN_S * SAMPLE_RATE)]
        sets.append((f"{SECOND.stem} ({SECOND_START_S:g}-{SECOND_START_S + SECOND_LEN_S:g} s)",
                     _encode(other, args.quality, SECOND.name, cache)))
    save(plot_event_map(sets, color_by="file" if len(sets) > 1 else None,
                        title="2-D t-SNE of the events of two pieces: near = similar"), out / "map.png")
    save(plot_event_map(sets[:1], color_by="f0_hz", title=f"{CLIP.name}: 2-D t-SNE, colour = f0_hz"),
         out / "map_f0.png")

    # the stages figure shows decay best on a loud, long-ringing pitched event
    amp, decay = edit.ops.physical(es, "amp_db"), edit.ops.physical(es, "decay_s")
    loud = amp >= np.median(amp)
    pool = pitched & loud if (pitched & loud).any() else loud
    index = int(np.argmax(np.where(pool, decay, -np.inf)))
    p = controls.to_physical(es.vectors[index])
    print(f"stages/controls event: {index} at {es.times[index] / SAMPLE_RATE:.3f} s, "
          f"f0 {p[controls.index_of('f0_hz')]:.1f} Hz, amp {p[controls.index_of('amp_db')]:.1f} dB, "
          f"pitched {bool(pitched[index])}")
    save(plot_stages(es, index), out / "stages.png")
    near = edit.nearest([(CLIP.stem, es)], 0, index, k=2)[1]
    save(plot_controls(es, index, reference=es, reference_index=near.event_index), out / "controls.png")
    print(f"controls reference: nearest neighbour {near.event_index} (d = {near.distance:.3f})")
    print(f"wrote timeline.png, timeline_tsne.png, map.png, map_f0.png, stages.png, controls.png to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
