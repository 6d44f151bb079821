"""`eventcodec plot timeline|map|stages|controls`: write a figure of an event file as PNG/SVG/PDF."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from eventcodec.cli.edit import read_events
from eventcodec.cli.outputs import add_overwrite, check_output
from eventcodec.cli.threads import add_threads


def _check_output(args: argparse.Namespace, inputs: list[str]) -> None:
    check_output(args.output, *inputs, overwrite=args.overwrite, suffixes=(".png", ".svg", ".pdf"), writer="plot")


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
    return _save(plot_timeline(events, audio, title=args.title, view=args.view), args)


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
    p = sub.add_parser("plot", help="figures: timeline, t-SNE map, decoder stages, controls (needs [viz])",
                       description="Draw a figure of an event file as PNG, SVG or PDF (needs the [viz] extra).")
    figs = p.add_subparsers(dest="figure", metavar="FIGURE", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("-o", "--output", required=True, help="output .png, .svg or .pdf")
        q.add_argument("--title", help="figure title")
        q.add_argument("--dpi", type=int, default=130, help="resolution of PNG output")
        q.add_argument("-q", "--quiet", action="store_true", help="no summary of the file written")
        add_overwrite(q)
        add_threads(q)

    t = figs.add_parser("timeline", help="events over the input's spectrogram",
                        description="Each event as a bar over its audible duration, coloured by a 3-D t-SNE of "
                        "its vector (similar colour = similar event).")
    t.add_argument("input", help=".evc file")
    t.add_argument("--audio", help="the input audio, drawn as a spectrogram behind the events")
    t.add_argument("--view", choices=("pitch", "tsne"), default="pitch",
                   help="pitch (default): pitched events at f0_hz, the others at their noise band's centre, on "
                   "the spectrogram's frequency axis; tsne: the paper's Fig. 1, height = 1-D t-SNE position")
    common(t)
    t.set_defaults(func=run_timeline)

    m = figs.add_parser("map", help="2-D t-SNE of the events of one or many files",
                        description="A 2-D t-SNE of the event vectors of one or many files: near = similar.")
    m.add_argument("inputs", nargs="+", help=".evc files")
    m.add_argument("--color-by", help="a control name, or 'file' (default: f0_hz for one file, file for many)")
    common(m)
    m.set_defaults(func=run_map)

    s = figs.add_parser("stages", help="one event through the decoder: impulse, resonance, room, output",
                        description="One event's waveform after each decoder block, on a shared scale.")
    s.add_argument("input", help=".evc file")
    s.add_argument("index", type=int, help="event index")
    common(s)
    s.set_defaults(func=run_stages)

    c = figs.add_parser("controls", help="one event's 32 controls as bars with units",
                        description="One event's 32 controls as bars, labelled with their values and units.")
    c.add_argument("input", help=".evc file")
    c.add_argument("index", type=int, help="event index")
    common(c)
    c.set_defaults(func=run_controls)
