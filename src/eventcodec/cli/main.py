"""Entry point: builds the parser from the command modules and turns user errors into one line."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from eventcodec.allocator import keep_freed_memory
from eventcodec.errors import EventCodecError
from eventcodec.fileio import exit_on_sigterm

# Each module defines `register(subparsers)`, adding subcommands whose `func(args) -> int` runs them.
COMMAND_MODULES: tuple[str, ...] = (
    "eventcodec.cli.files", "eventcodec.cli.codec",
    "eventcodec.cli.batch", "eventcodec.cli.edit", "eventcodec.cli.plot", "eventcodec.cli.explain",
    "eventcodec.cli.studio", "eventcodec.cli.train", "eventcodec.cli.bench",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eventcodec",
        description="A sparse, interpretable audio codec: music as events.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eventcodec")
    except PackageNotFoundError:
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    exit_on_sigterm()  # SIGTERM removes a half-written output as Ctrl-C does
    keep_freed_memory()  # renders reuse their buffers instead of faulting fresh pages in (eventcodec.allocator)
    if hasattr(args, "threads"):
        from eventcodec.cli.threads import apply_threads

        apply_threads(args.threads)
    try:
        return int(args.func(args) or 0)
    except EventCodecError as e:
        print(f"eventcodec: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("eventcodec: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


if __name__ == "__main__":
    sys.exit(main())
