"""Command-line encoder/decoder of the Gabor MP baseline, run by the harness as its own processes.

    python -m eventcodec.bench.gabor_tool encode in.wav out.gab --bitrate-kbps 3
    python -m eventcodec.bench.gabor_tool decode out.gab decoded.wav
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from eventcodec.errors import EventCodecError


def _encode(args: argparse.Namespace) -> None:
    from eventcodec.audio import load
    from eventcodec.baselines.gabor import encode_gabor
    from eventcodec.baselines.gabor_format import atoms_to_bytes
    from eventcodec.fileio import write_bytes_atomic
    from eventcodec.types import SAMPLE_RATE

    audio, _ = load(args.input)
    atoms = encode_gabor(audio, SAMPLE_RATE, bitrate_kbps=args.bitrate_kbps, progress=args.progress)
    write_bytes_atomic(args.output, atoms_to_bytes(atoms))


def _decode(args: argparse.Namespace) -> None:
    from eventcodec.audio import save_wav
    from eventcodec.baselines.gabor_atoms import synthesize
    from eventcodec.baselines.gabor_format import atoms_from_bytes

    atoms = atoms_from_bytes(Path(args.input).read_bytes())
    save_wav(args.output, synthesize(atoms), atoms.sample_rate)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="gabor_tool", description="Gabor-atom MP baseline codec (.gab)")
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("encode")
    e.add_argument("input")
    e.add_argument("output")
    e.add_argument("--bitrate-kbps", type=float, required=True)
    e.add_argument("--progress", action="store_true")
    d = sub.add_parser("decode")
    d.add_argument("input")
    d.add_argument("output")
    args = p.parse_args(argv)
    try:
        (_encode if args.cmd == "encode" else _decode)(args)
    except (EventCodecError, OSError) as err:
        print(f"gabor_tool: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
