"""`eventcodec info | dump | undump`: look inside .evc files and round-trip them through JSON."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eventcodec.cli.outputs import STDIO, add_overwrite, check_output
from eventcodec.errors import EventCodecError, FormatError
from eventcodec.fileio import require_file, write_bytes_atomic

MAX_JSON_BYTES = 2**30
META_CHARS = 300  # `info` shows this much of the meta JSON on one line


def _bits_text(bits: list[int], space: str) -> str:
    """'8 per value', or '8 per value (f0_hz 12)' naming the controls that differ from the most common width."""
    common = max(set(bits), key=bits.count)
    odd = [j for j, b in enumerate(bits) if b != common]
    if not odd:
        return f"{common} per value"
    if space != "controls":
        return ", ".join(map(str, bits))
    from eventcodec.controls import NAMES

    return f"{common} per value ({', '.join(f'{NAMES[j]} {bits[j]}' for j in odd)})"


def format_info(info: dict[str, Any], name: str) -> str:
    """The `info` text: one fact per line."""
    from eventcodec.format.header import printable

    bits = info["quantizer_bits"]
    texture = f"yes ({info['texture_kbps']:.3f} kbps of the bitrate)" if info.get("texture") else "no"
    bits_text = _bits_text(bits, info["space"])
    model_hash = f" (hash {printable(info['model_hash'])})" if info["model_hash"] else ""
    lines = [
        f"file:            {name} ({info['file_bytes']} bytes)",
        f"space:           {info['space']}" + model_hash,
        f"duration:        {info['duration_s']:.3f} s ({info['n_samples']} samples at {info['sample_rate']} Hz)",
        f"events:          {info['events']} ({info['events_per_second']:.2f} per second)",
        f"bitrate:         {info['bitrate_kbps']:.3f} kbps",
        f"bits per event:  {info['bits_per_event']:.1f}",
        f"noise texture:   {texture}",
        f"chunks:          {info['chunks']}",
        f"quantizer bits:  {bits_text}",
    ]
    from eventcodec.controls import schema_hash

    if info["space"] == "controls" and info["model_hash"] and info["model_hash"] != schema_hash():
        lines.append(f"warning:         written with another controls table (this one is {schema_hash()})")
    level = info["meta"].get("input_lufs"), info["meta"].get("input_true_peak_dbfs")
    if all(isinstance(v, int | float) for v in level):
        lines.append(f"input level:     {level[0]:.1f} LUFS, true peak {level[1]:+.1f} dBFS (decode holds that peak)")
    if info["meta"]:
        meta = json.dumps(info["meta"], sort_keys=True)
        cut = meta if len(meta) <= META_CHARS else meta[: META_CHARS - 1] + "…"
        lines.append(f"meta:            {cut}" + ("  (all of it: info --json)" if cut != meta else ""))
    return "\n".join(lines)


def instrument_rows(path: str) -> list[dict[str, Any]]:
    """The instruments of an .evc file (`edit.instruments`): index, events, pitch range, description."""
    from dataclasses import asdict

    from eventcodec.edit.instruments import describe, instruments
    from eventcodec.format import read_evc

    events = read_evc(path)
    if events.space != "controls":
        raise EventCodecError("instruments need an event set in the controls space (this one is latent)")
    return [asdict(i) for i in describe(events, instruments(events))]


def format_instruments(rows: list[dict[str, Any]]) -> str:
    """One line per instrument under a heading."""
    lines = [f"instruments:     {len(rows)} (by timbre; edit --instrument K)"]
    for r in rows:
        lines.append(f"  {r['index']:>2}  {r['n_events']:>6} events  {r['pitch_range'] or '-':<9}  {r['description']}")
    return "\n".join(lines)


def _info(args: argparse.Namespace) -> int:
    from eventcodec.format import evc_info

    info = evc_info(args.file)
    if args.instruments:  # a clustering of every event: only when asked
        rows = instrument_rows(args.file)
        info["instruments"] = rows
    print(json.dumps(info, indent=2) if args.json else format_info(info, str(args.file))
          + ("\n" + format_instruments(rows) if args.instruments else ""))
    return 0


def _dump(args: argparse.Namespace) -> int:
    from eventcodec.format import eventset_to_json, read_evc

    if args.output not in (None, STDIO):
        check_output(args.output, args.file, overwrite=args.overwrite, suffixes=(".json",), writer="dump")
    events = read_evc(args.file)
    text = json.dumps(eventset_to_json(events, normalised=args.normalised), indent=1) + "\n"
    if args.output in (None, STDIO):
        sys.stdout.write(text)
    else:
        write_bytes_atomic(args.output, text.encode())
    return 0


def _undump(args: argparse.Namespace) -> int:
    from eventcodec.format import encode_evc, eventset_from_json
    from eventcodec.format.header import parse_json

    src = Path(args.json_file)
    require_file(src)
    check_output(args.output, src, overwrite=args.overwrite, suffixes=(".evc",), writer="undump")
    if src.stat().st_size > MAX_JSON_BYTES:
        raise FormatError(f"{src} is larger than {MAX_JSON_BYTES} bytes")
    events = eventset_from_json(parse_json(src.read_bytes(), str(src)))
    write_bytes_atomic(args.output, encode_evc(events, bits=args.bits))
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("info", help="summarise an .evc file", description="Events, duration, bitrate, chunks.")
    p.add_argument("file", help="an .evc file")
    p.add_argument("--json", action="store_true", help="print the facts as JSON")
    p.add_argument("--instruments", action="store_true", help="also list the instruments (events grouped by "
                   "timbre: index, events, pitch range, description)")
    p.set_defaults(func=_info)

    p = sub.add_parser("dump", help="an .evc file as JSON", description="Write the events of an .evc file as "
                       "editable JSON (times in samples, controls in their units under their names, as in the CSV "
                       "export); `undump` turns it back, byte for byte.")
    p.add_argument("file", help="an .evc file")
    p.add_argument("-o", "--output", help="write to this .json file instead of stdout")
    p.add_argument("--normalised", action="store_true",
                   help="write the stored 0..1 values under \"unit_controls\" instead of units")
    add_overwrite(p)
    p.set_defaults(func=_dump)

    p = sub.add_parser("undump", help="JSON back to .evc", description="Write the JSON form (from `dump`, in "
                       "units or --normalised) as an .evc file; a dump of an .evc undumps to the same bytes.")
    p.add_argument("json_file", help="JSON written by `eventcodec dump`")
    p.add_argument("output", help="the .evc file to write")
    p.add_argument("--bits", type=int, default=None, choices=range(0, 17), metavar="0..16",
                   help="bits per value (default: the quantizer stored in the JSON, else 8)")
    add_overwrite(p)
    p.set_defaults(func=_undump)
