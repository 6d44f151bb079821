"""`eventcodec edit`, `neighbours`, `render-event` and `export`: thin clients of `eventcodec.edit`/`export`."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eventcodec.cli.outputs import add_overwrite, check_output
from eventcodec.cli.threads import add_threads
from eventcodec.errors import EventCodecError
from eventcodec.fileio import require_file
from eventcodec.types import EventSet

STAGES = ("impulse", "resonance", "body", "room", "output")


def read_events(path: str) -> EventSet:
    """Read an .evc file (or its `eventcodec dump` JSON form).

    Raises:
        EventCodecError: missing or malformed file.
    """
    p = require_file(path)
    if p.suffix.lower() == ".json":
        from eventcodec.format.header import parse_json

        return EventSet.from_json(parse_json(p.read_bytes(), p.name))
    return EventSet.from_bytes(p.read_bytes())


def write_events(events: EventSet, path: str, inputs: Sequence[str]) -> None:
    """Write .evc (or .json) atomically, refusing to overwrite any input."""
    from eventcodec.fileio import same_file, write_bytes_atomic

    for src in inputs:
        if same_file(src, path):
            raise EventCodecError(f"refusing to overwrite the input {src}; choose another output name")
    if path.lower().endswith(".json"):
        import json

        write_bytes_atomic(path, (json.dumps(events.to_json(), indent=1) + "\n").encode())
    else:
        write_bytes_atomic(path, events.to_bytes())


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    for w in caught:
        print(f"eventcodec: warning: {w.message}", file=sys.stderr)


class _Ordered(argparse.Action):
    """Append (op, value) to `args.ops` so edits run in command-line order."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        ops = list(getattr(namespace, "ops", None) or [])
        ops.append((self.dest, values))
        namespace.ops = ops


def _time_range(text: str) -> tuple[float, float | None]:
    start, sep, stop = text.partition(":")
    if not sep:
        raise EventCodecError(f"--slice wants START:STOP in seconds (STOP may be empty), got {text!r}")
    try:
        return float(start or 0), (float(stop) if stop else None)
    except ValueError:
        raise EventCodecError(f"--slice wants numbers in seconds, got {text!r}") from None


def _split(text: str, sep: str, flag: str, what: str) -> tuple[str, str]:
    left, found, right = text.partition(sep)
    if not found or not left or not right:
        raise EventCodecError(f"{flag} wants {what}, got {text!r}")
    return left, right


def _number(text: str, flag: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise EventCodecError(f"{flag} wants a number, got {text!r}") from None


def _integer(text: str, flag: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise EventCodecError(f"{flag} wants an integer, got {text!r}") from None


def _selection(events: EventSet, text: str | None, labels: Any) -> Any:
    """A filter as given, or as a mask when instrument labels are known (from the input's instrument bank)."""
    from eventcodec.edit.expr import evaluate, names_in

    if text is None or labels is None or "instrument" not in names_in(text):
        return text
    return evaluate(text, events, labels)


def apply_op(events: EventSet, op: str, value: str, where: Any, pool: Sequence[str], labels: Any = None,
             instrument: int | None = None) -> EventSet:
    """Apply one `eventcodec edit` flag to a set.

    Args:
        where: the selection of --shift/--gain/... (a filter expression, a bool mask or None for all).
        labels: instrument label (n_events,) of each event, for `instrument` in --keep/--delete expressions.
        instrument: --instrument K, for --timbre-from.
    """
    from eventcodec import edit

    table: dict[str, Callable[[], EventSet]] = {
        "keep": lambda: edit.keep(events, _selection(events, value, labels)),
        "delete": lambda: edit.delete(events, _selection(events, value, labels)),
        "mute": lambda: edit.delete(events, _need_selection(where, "--mute")),
        "solo": lambda: edit.keep(events, _need_selection(where, "--solo")),
        "keep_index": lambda: edit.keep(events, [_integer(v, "--keep-index") for v in value.split(",")]),
        "delete_index": lambda: edit.delete(events, [_integer(v, "--delete-index") for v in value.split(",")]),
        "slice": lambda: edit.slice_time(events, *_time_range(value)),
        "shift": lambda: edit.shift(events, _number(value, "--shift"), where),
        "gain": lambda: edit.gain(events, _number(value, "--gain"), where),
        "transpose": lambda: edit.transpose(events, _number(value, "--transpose"),
                                            "pitched" if where is None else where),
        "stretch": lambda: edit.time_stretch(events, _number(value, "--stretch")),
        "room": lambda: edit.set_room(events, value, None, where),
        "wet": lambda: edit.set_control(events, "room_wet", _number(value, "--wet"), where),
    }
    if op in table:
        return table[op]()
    if op == "move":
        index, to_s = _split(value, ":", "--move", "INDEX:TIME_S")
        return edit.move(events, _integer(index, "--move"), _number(to_s, "--move"))
    if op == "set":
        name, val = _split(value, "=", "--set", "NAME=VALUE (physical units)")
        return edit.set_control(events, name.strip(), _number(val, "--set"), where)
    if op == "mix":
        path, at, offset = value.rpartition("@")
        if not at:
            path, offset = value, "0"
        return edit.mix(events, read_events(path), _number(offset or "0", "--mix"))
    if op == "timbre_from":
        if instrument is None or labels is None:
            raise EventCodecError("--timbre-from needs --instrument K (the instrument that takes the timbre)")
        from eventcodec.edit.instruments import timbre_from

        mask = None if where is None or isinstance(where, str) else np.asarray(where)
        return timbre_from(events, labels, instrument, _integer(value, "--timbre-from"), mask)
    if op == "replace":
        return _replace_with_neighbour(events, _integer(value, "--replace-with-neighbour"), pool)
    raise AssertionError(op)


def _need_selection(where: Any, flag: str) -> Any:
    if where is None:
        raise EventCodecError(f"{flag} needs --instrument K (or --where EXPR) to say which events")
    return where


def _replace_with_neighbour(events: EventSet, index: int, pool: Sequence[str]) -> EventSet:
    from eventcodec import edit

    sets = [("input", events)] + [(p, read_events(p)) for p in pool]
    found = edit.nearest(sets, 0, index, k=2)
    if len(found) < 2:
        raise EventCodecError("no other event to replace it with (give more files with --pool)")
    n = found[1]
    return edit.replace_vector(events, index, sets[n.set_index][1].vectors[n.event_index],
                               note=f"by {n.source}#{n.event_index} (d={n.distance:.3f})")


# edits of events in place (not of the time line): the texture beside the edited events follows them
TEXTURE_FOLLOWS = frozenset({"keep", "delete", "keep_index", "delete_index", "shift", "move", "gain", "transpose",
                             "room", "wet", "set", "replace", "mute", "solo",
                             "timbre_from"})


def _instrument_bank(events: EventSet, args: argparse.Namespace, ops: Sequence[tuple[str, str]]) -> Any:
    """The input's instruments (`edit.instruments.Bank`) when --instrument or an `instrument` filter needs them.

    Fitted once on the input, so every edit in the chain sees the same numbering: an event keeps its label
    when it is deleted around, moved, re-gained or transposed (labels depend on timbre alone).

    Raises:
        EventCodecError: --instrument names an instrument the input does not have.
    """
    from eventcodec.edit.expr import names_in

    texts = [args.where or ""] + [v for o, v in ops if o in ("keep", "delete")]
    timbre = [v for o, v in ops if o == "timbre_from"]
    if args.instrument is None:
        if timbre:
            raise EventCodecError("--timbre-from needs --instrument K (the instrument that takes the timbre)")
        if not any(t and "instrument" in names_in(t) for t in texts):
            return None
    if events.space != "controls":
        raise EventCodecError("instruments need an event set in the controls space (this one is latent)")
    from eventcodec.edit.instruments import fit_bank

    bank = fit_bank(events)
    if args.instrument is not None and not 0 <= args.instrument < len(bank):
        have = f"0..{len(bank) - 1}" if len(bank) else "none"
        raise EventCodecError(f"--instrument {args.instrument}: the input has {len(bank)} instrument(s) ({have}; "
                              "see eventcodec info --instruments)")
    for value in timbre:
        j = _integer(value, "--timbre-from")
        if not 0 <= j < len(bank):
            raise EventCodecError(f"--timbre-from {j}: the input has {len(bank)} instrument(s) (0..{len(bank) - 1})")
        if j == args.instrument:
            raise EventCodecError(f"--timbre-from {j} is --instrument {j} itself; name another instrument")
    return bank


def _where(events: EventSet, args: argparse.Namespace, labels: Any) -> Any:
    """The selection of --shift/--gain/...: --where and --instrument, as given (text) or as a bool mask."""
    if labels is None or (args.where is None and args.instrument is None):
        return args.where
    from eventcodec.edit.expr import evaluate

    mask = np.ones(len(events), dtype=bool) if args.where is None else evaluate(args.where, events, labels)
    return mask if args.instrument is None else mask & (labels == args.instrument)


def run_edit(args: argparse.Namespace) -> int:
    ops = getattr(args, "ops", None) or []
    inputs = [args.input, *args.pool, *(v.rpartition("@")[0] or v for o, v in ops if o == "mix")]
    check_output(args.output, *inputs, overwrite=args.overwrite, suffixes=(".evc", ".json"), writer="edit")
    events = read_events(args.input)
    if not ops:
        raise EventCodecError("no edit given (see eventcodec edit --help)")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from eventcodec.texture.follow import can_follow, event_band_power, follow

        power = None  # the current events' band power on the texture grid, once measured
        bank = _instrument_bank(events, args, ops)
        for op, value in ops:
            from eventcodec.edit.instruments import assign

            labels = None if bank is None else assign(events, bank)
            edited = apply_op(events, op, value, _where(events, args, labels), args.pool, labels, args.instrument)
            texture = edited.texture
            if args.texture_stays or op not in TEXTURE_FOLLOWS or texture is None or not can_follow(events, edited):
                events, power = edited, None
                continue
            power = event_band_power(events) if power is None else power
            after = event_band_power(edited)
            events, power = edited.replace(texture=follow(texture, power, after)), after
    _print_warnings(caught)
    write_events(events, args.output, inputs)
    if not args.quiet:
        print(f"{args.output}: {len(events)} events, {events.duration_s:.2f} s", file=sys.stderr)
    return 0


def run_neighbours(args: argparse.Namespace) -> int:
    from eventcodec import edit

    paths = [args.input, *[p for p in args.pool if p != args.input]]
    sets = [(p, read_events(p)) for p in paths]
    out_dir = Path(args.render) if args.render else None
    if out_dir is not None:
        try:  # before any work: the folder is made, or the reason it cannot be is the error
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise EventCodecError(f"cannot create --render folder {out_dir}: {e.strerror or e}") from None
    found = edit.nearest(sets, 0, args.index, k=args.k)
    names = [] if out_dir is None else [out_dir / f"neighbour{rank:02d}_{Path(n.source).stem}_{n.event_index}.wav"
                                        for rank, n in enumerate(found)]
    for name in names:  # before rendering
        check_output(name, *paths, overwrite=args.overwrite)
    controls_space = sets[0][1].space == "controls"
    head = f"{'rank':>4}  {'distance':>8}  {'time_s':>8}  {'index':>5}  "
    print(head + ("f0_hz     amp_db  decay_s  tonal  " if controls_space else "") + "file")
    for rank, n in enumerate(found):
        row = f"{rank:>4}  {n.distance:8.4f}  {n.time_s:8.3f}  {n.event_index:>5}  "
        if controls_space:
            from eventcodec.edit.ops import physical

            es = sets[n.set_index][1]
            f0, amp, dec, ton = (physical(es, c)[n.event_index]
                                 for c in ("f0_hz", "amp_db", "decay_s", "tonal_mix"))
            row += f"{f0:7.1f}  {amp:7.1f}  {dec:7.3f}  {ton:5.2f}  "
        print(row + n.source)
    if names:
        from eventcodec.audio import save_wav

        for n, name in zip(found, names, strict=True):
            audio = render_one(sets[n.set_index][1], n.event_index, "output")
            save_wav(name, audio, sets[n.set_index][1].sample_rate)
        if not args.quiet:
            print(f"wrote {len(found)} wav files to {out_dir}", file=sys.stderr)
    return 0


def render_one(events: EventSet, index: int, stage: str = "output") -> Any:
    """One event alone, rendered to (n_samples,) audio at one decoder stage (`STAGES`)."""
    from eventcodec.edit.render import event_stages

    return event_stages(events, index)[stage]


def run_render_event(args: argparse.Namespace) -> int:
    from eventcodec.audio import save_wav

    check_output(args.output, args.input, overwrite=args.overwrite, suffixes=(".wav",), writer="render-event")
    events = read_events(args.input)
    save_wav(args.output, render_one(events, args.index, args.stage), events.sample_rate)
    return 0


EXPORT_SUFFIXES = {"csv": (".csv",), "midi": (".mid", ".midi")}


def run_export(args: argparse.Namespace) -> int:
    fmt = args.format or {".csv": "csv", ".mid": "midi", ".midi": "midi"}.get(Path(args.output).suffix.lower())
    if fmt is None:
        raise EventCodecError(f"cannot tell the format of {args.output}: use .csv/.mid or --format")
    check_output(args.output, args.input, overwrite=args.overwrite, suffixes=EXPORT_SUFFIXES[fmt],
                 writer=f"export --format {fmt}")
    events = read_events(args.input)
    if fmt == "csv":
        from eventcodec.export.csv import write_csv

        write_csv(events, args.output)
    else:
        from eventcodec.export.midi import write_midi

        write_midi(events, args.output, single_track=args.single_track)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `edit`, `neighbours`, `render-event` and `export` subcommands."""
    p = sub.add_parser(
        "edit", help="edit an event file: keep/delete/slice/move/gain/transpose/stretch/room/mix/mute/solo",
        description="Apply edits in the order given. Filters use control names in physical units, "
        "t (seconds), index and instrument, e.g. --keep 'f0_hz<200 and t<4'. Controls pushed past a bound are "
        "clipped with a warning.",
    )
    p.add_argument("input", help="input .evc (or .json dump)")
    p.add_argument("output", help="output .evc (or .json)")
    o = p.add_argument_group("edits (applied in command-line order)")
    o.add_argument("--keep", action=_Ordered, metavar="EXPR", help="keep only events matching EXPR")
    o.add_argument("--delete", action=_Ordered, metavar="EXPR", help="delete events matching EXPR")
    o.add_argument("--keep-index", action=_Ordered, metavar="I,J,..", help="keep only these event indices")
    o.add_argument("--delete-index", action=_Ordered, metavar="I,J,..", help="delete these event indices")
    o.add_argument("--slice", action=_Ordered, metavar="START:STOP", help="events in [START, STOP) s, re-timed")
    o.add_argument("--shift", action=_Ordered, metavar="SECONDS", help="move (selected) events in time")
    o.add_argument("--move", action=_Ordered, metavar="INDEX:TIME_S", help="move one event to a time")
    o.add_argument("--gain", action=_Ordered, metavar="DB", help="add DB to amp_db of (selected) events")
    o.add_argument("--transpose", action=_Ordered, metavar="SEMITONES",
                   help="transpose pitched events (or --where's selection)")
    o.add_argument("--stretch", action=_Ordered, metavar="FACTOR", help="scale times and durations")
    o.add_argument("--room", action=_Ordered, metavar="NAME|INDEX", help="move (selected) events to a room")
    o.add_argument("--wet", action=_Ordered, metavar="0..1", help="set room_wet of (selected) events")
    o.add_argument("--set", action=_Ordered, metavar="NAME=VALUE", help="set a control (physical units)")
    o.add_argument("--mix", action=_Ordered, metavar="OTHER.evc[@SECONDS]", help="add another file's events")
    o.add_argument("--replace-with-neighbour", dest="replace", action=_Ordered, metavar="INDEX",
                   help="give event INDEX the vector of its nearest other event (in the input and --pool)")
    o.add_argument("--mute", action=_Ordered, nargs=0, help="delete the events of --instrument (or --where)")
    o.add_argument("--solo", action=_Ordered, nargs=0, help="keep only the events of --instrument (or --where)")
    o.add_argument("--timbre-from", dest="timbre_from", action=_Ordered, metavar="J",
                   help="give every event of --instrument K the timbre controls of instrument J's most typical "
                   "event (each keeps its time, pitch, level, length and room)")
    p.add_argument("--where", metavar="EXPR", help="restrict --shift/--gain/--transpose/--room/--wet/--set to "
                   "events matching EXPR")
    p.add_argument("--instrument", type=int, metavar="K", help="restrict --mute/--solo/--shift/--gain/--transpose/"
                   "--room/--wet/--set/--timbre-from to instrument K (events grouped by timbre: eventcodec info "
                   "--instruments; with --where, to its events matching EXPR)")
    p.add_argument("--pool", nargs="+", default=[], metavar="EVC", help="more files for --replace-with-neighbour")
    p.add_argument("--texture-stays", action="store_true",
                   help="leave the noise texture as encoded (by default the texture beside edited events follows "
                   "them: deleting the bass takes the texture's bass too)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    add_overwrite(p)
    add_threads(p)
    p.set_defaults(func=run_edit, ops=[])

    n = sub.add_parser("neighbours", help="the events most similar to one event, across files",
                       description="Distance: weighted RMS of normalised controls (docs/editing.md).")
    n.add_argument("input", help=".evc holding the query event")
    n.add_argument("index", type=int, help="index of the query event")
    n.add_argument("--pool", nargs="*", default=[], metavar="EVC", help="more .evc files to search")
    n.add_argument("-k", type=int, default=5, help="how many (the query itself is first)")
    n.add_argument("--render", metavar="DIR", help="also write each neighbour alone as a wav into DIR (made if "
                   "missing)")
    n.add_argument("-q", "--quiet", action="store_true", help="no summary of the files written")
    add_overwrite(n)
    add_threads(n)
    n.set_defaults(func=run_neighbours)

    r = sub.add_parser("render-event", help="render one event alone (optionally one decoder stage) to wav",
                       description="Render one event of an .evc alone to a 16-bit .wav: the whole decoder's output "
                       "or one stage of it (impulse, resonance, body, room), to hear what each block adds.")
    r.add_argument("input", help="input .evc")
    r.add_argument("index", type=int, help="event index")
    r.add_argument("output", help="output .wav")
    r.add_argument("--stage", choices=STAGES, default="output", help="decoder stage to hear (default output)")
    add_overwrite(r)
    add_threads(r)
    r.set_defaults(func=run_render_event)

    e = sub.add_parser("export", help="export the event list as CSV or MIDI",
                       description="Write the events as CSV (one row per event: time and every control in its "
                       "units) or MIDI (pitched events as notes, unpitched ones as General MIDI drums; one track "
                       "per instrument, drums on channel 10).")
    e.add_argument("input", help="input .evc")
    e.add_argument("output", help="output .csv or .mid")
    e.add_argument("--format", choices=("csv", "midi"), help="default: from the output suffix")
    e.add_argument("--single-track", action="store_true", help="MIDI: every event on one track (notes on channel "
                   "1, drums on 10) instead of one track per instrument")
    add_overwrite(e)
    e.set_defaults(func=run_export)
