"""Encode worker run in a child process by the studio: `python -m eventcodec.web.worker IN OUT [...]`.

A process (not a thread) so that a cancelled job can be killed at once and its memory returned.
The encoder's tqdm bars go to stderr, where the parent reads progress; `::stage TEXT` lines name
the phase before the encoder starts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


def _stage(text: str) -> None:
    print(f"::stage {text}", file=sys.stderr, flush=True)


def run(argv: Sequence[str] | None = None) -> int:
    """Encode `in_path` to `.evc` bytes at `out_path`; exit 0, or 2 with `::error MESSAGE` on stderr."""
    parser = argparse.ArgumentParser(prog="eventcodec.web.worker")
    parser.add_argument("in_path")
    parser.add_argument("out_path")
    parser.add_argument("--encoder", default="abs")
    parser.add_argument("--quality", default="fast", choices=("fast", "default", "best"))
    parser.add_argument("--clip-s", type=float, default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    _stage("loading the encoder")
    import torch

    from eventcodec.allocator import keep_freed_memory
    from eventcodec.codec import encode, encode_file
    from eventcodec.encode import EncodeOptions
    from eventcodec.errors import EventCodecError
    from eventcodec.fileio import write_bytes_atomic
    from eventcodec.types import SAMPLE_RATE
    from eventcodec.web.render import original

    keep_freed_memory()  # as the CLI does (eventcodec.allocator)
    torch.set_num_threads(max(1, args.threads))
    options = EncodeOptions(quality=args.quality)
    try:
        _stage("encoding")
        if args.clip_s:
            audio = original(Path(args.in_path), max(1, round(args.clip_s * SAMPLE_RATE)))  # only the clip is read
            events = encode(audio, SAMPLE_RATE, args.encoder, options, progress=True)
        else:
            events = encode_file(args.in_path, args.encoder, options, progress=True)
        _stage("writing")
        write_bytes_atomic(args.out_path, events.to_bytes())
    except EventCodecError as e:
        print(f"::error {e}", file=sys.stderr, flush=True)
        return 2
    _stage(f"done {len(events)}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
