"""`eventcodec plot timeline|map|stages|controls`: write a figure of an event file as PNG/SVG/PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from eventcodec.cli.edit import read_events
from eventcodec.errors import EventCodecError


def _check_output(args: argparse.Namespace, inputs: list[str]) -> None:
    from eventcodec.fileio import same_file

    if Path(args.output).suffix.lower() not in (".png", ".svg", ".pdf"):
        raise EventCodecError(f"cannot write {args.output}: use a .png, .svg or .pdf file name")
    if any(same_file(p, args.output) for p in inputs):
        raise EventCodecError("refusing to overwrite an input")


def _save(fig: Any, args: argparse.Namespace) -> int:
    from eventcodec.viz._mpl import save

    save(fig, args.output, dpi=args.dpi)
    if not args.quiet:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def run_timeline(args: argparse.Namespace) -> int:
    from eventcodec.viz.timeline import plot_timeline

    _check_output(args, [args.input, *([args.audio] if args.audio else [])])
    events = read_events(args.input)
    audio = None
    if args.audio:
        from eventcodec.audio import load

        audio, _ = load(args.audio, events.sample_rate)
    return _save(plot_timeline(events, audio, title=args.title), args)


def run_map(args: argparse.Namespace) -> int:
    from eventcodec.viz.event_map import plot_event_map

    _check_output(args, args.inputs)
    sets = [(Path(p).stem, read_events(p)) for p in args.inputs]
    return _save(plot_event_map(sets, color_by=args.color_by, title=args.title), args)


def run_stages(args: argparse.Namespace) -> int:
    from eventcodec.viz.stages import plot_stages

    _check_output(args, [args.input])
    return _save(plot_stages(read_events(args.input), args.index, title=args.title), args)


def run_controls(args: argparse.Namespace) -> int:
    from eventcodec.viz.controls_view import plot_controls

    _check_output(args, [args.input])
    return _save(plot_controls(read_events(args.input), args.index, title=args.title), args)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add `eventcodec plot` and its four figures."""
    p = sub.add_parser("plot", help="figures: timeline, t-SNE map, decoder stages, controls (needs [viz])")
    figs = p.add_subparsers(dest="figure", metavar="FIGURE", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("-o", "--output", required=True, help="output .png, .svg or .pdf")
        q.add_argument("--title", help="figure title")
        q.add_argument("--dpi", type=int, default=130, help="resolution of PNG output")
        q.add_argument("--quiet", action="store_true")

    t = figs.add_parser("timeline", help="events over the input's spectrogram")
    t.add_argument("input", help=".evc file")
    t.add_argument("--audio", help="the input audio, drawn as a spectrogram behind the events")
    common(t)
    t.set_defaults(func=run_timeline)

    m = figs.add_parser("map", help="2-D t-SNE of the events of one or many files")
    m.add_argument("inputs", nargs="+", help=".evc files")
    m.add_argument("--color-by", help="a control name, or 'file' (default: f0_hz for one file, file for many)")
    common(m)
    m.set_defaults(func=run_map)

    s = figs.add_parser("stages", help="one event through the decoder: impulse, resonance, room, output")
    s.add_argument("input", help=".evc file")
    s.add_argument("index", type=int, help="event index")
    common(s)
    s.set_defaults(func=run_stages)

    c = figs.add_parser("controls", help="one event's 32 controls as bars with units")
    c.add_argument("input", help=".evc file")
    c.add_argument("index", type=int, help="event index")
    common(c)
    c.set_defaults(func=run_controls)
