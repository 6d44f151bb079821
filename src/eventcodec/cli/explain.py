"""`eventcodec explain`: print the controls table (names, units, bounds, docs) and the room bank."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "explain", help="print the 32 synth controls and the rooms",
        description="Print the controls table (name, unit, range, scale, default, meaning) and the rooms.",
    )
    p.add_argument("--json", action="store_true", help="print the table and rooms as JSON")
    p.set_defaults(func=run)


def _rooms() -> list[dict[str, object]]:
    from eventcodec.synth.rooms import ROOM_NAMES, load_room, user_room_names
    from eventcodec.types import SAMPLE_RATE

    rows: list[dict[str, object]] = [
        {"room_id": i, "name": n, "length_s": round(len(load_room(n)) / SAMPLE_RATE, 3), "source": "shipped"}
        for i, n in enumerate(ROOM_NAMES)
    ]
    rows += [{"room_id": None, "name": n, "length_s": None, "source": "user"} for n in user_room_names()]
    return rows


def run(args: argparse.Namespace) -> int:
    from eventcodec.controls import schema_json

    table, rooms = schema_json(), _rooms()
    if args.json:
        json.dump({"controls": table, "rooms": rooms}, sys.stdout, indent=1)
        print()
        return 0
    print(f"{'#':>2}  {'name':<22}{'unit':<9}{'min':>10}{'max':>10}  {'scale':<5}{'default':>9}  meaning")
    for i, c in enumerate(table):
        print(f"{i:>2}  {c['name']!s:<22}{c['unit']!s:<9}{c['min']:>10.6g}{c['max']:>10.6g}  "
              f"{c['scale']!s:<5}{c['default']:>9.4g}  {c['doc']}")
    print("\nValues are stored normalised to [0, 1]: lin = min + u (max - min), log = min (max / min)^u.")
    print("\nrooms (room_id -> impulse response):")
    for r in rooms:
        rid = "user" if r["room_id"] is None else r["room_id"]
        length = "" if r["length_s"] is None else f"{r['length_s']:.2f} s"
        print(f"  {rid!s:>4}  {r['name']!s:<14}{length}")
    return 0
