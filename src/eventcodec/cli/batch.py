"""`eventcodec encode-many` / `decode-many`: whole folder trees on local cores or a Dask cluster."""

from __future__ import annotations

import argparse
from typing import Any

from eventcodec.cli.threads import add_threads
from eventcodec.errors import EventCodecError

EXIT_SOME_FAILED = 1


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("in_dir", metavar="IN_DIR", help="folder to read (searched recursively)")
    p.add_argument("out_dir", metavar="OUT_DIR", help="folder to write; the tree of IN_DIR is mirrored here")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes, one thread each (default: --threads, else one per core; with --dask, "
                   "LocalCluster workers)")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="run on this Dask scheduler (workers need eventcodec and the same paths)")
    p.add_argument("--dask", action="store_true", help="run on a new Dask LocalCluster instead of a process pool")
    p.add_argument("-y", "--overwrite", action="store_true",
                   help="replace existing outputs that no batch run into OUT_DIR wrote (default: report them)")
    p.add_argument("--force", action="store_true",
                   help="redo files already done (e.g. after upgrading eventcodec); default: skip them")
    p.add_argument("--retry-failed", action="store_true",
                   help="try again files that failed before although they and the settings are unchanged")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_threads(p, "cores to use: N one-thread workers unless --workers says otherwise (default: all this process "
                "may use)")


def register(subparsers: Any) -> None:
    """Add `encode-many` and `decode-many`."""
    enc = subparsers.add_parser(
        "encode-many", help="encode every audio file under a folder (resumable, parallel)",
        description="Encode every audio file under IN_DIR to a mirrored .evc under OUT_DIR. Files already "
                    "done with the same settings are skipped; failures are listed and the run goes on. "
                    "Exit status 1 when some files failed in this run (files that failed before, unchanged, are "
                    "listed but not retried).")
    _add_common(enc)
    enc.add_argument("--encoder", default="abs", help="encoder name (default: abs)")
    enc.add_argument("--quality", choices=("fast", "default", "best"), default="default")
    enc.add_argument("--events-per-second", type=float, default=None)
    enc.add_argument("--bitrate", type=float, default=None, metavar="KBPS", help="target bitrate in kbps")
    enc.add_argument("--checkpoint", default=None, help="trained model (learned encoder only)")
    enc.add_argument("--seed", type=int, default=0, help="seed of the encoder's search (default: 0)")
    enc.set_defaults(func=run_encode_many)
    dec = subparsers.add_parser(
        "decode-many", help="decode every .evc under a folder to .wav (resumable, parallel)",
        description="Decode every .evc under IN_DIR to a mirrored 16-bit .wav under OUT_DIR. "
                    "Exit status 1 when some files failed in this run (files that failed before, unchanged, are "
                    "listed but not retried).")
    _add_common(dec)
    dec.set_defaults(func=run_decode_many)


def _config(args: argparse.Namespace) -> Any:
    from eventcodec.batch import BatchConfig

    if args.workers is not None and args.workers < 1:
        raise EventCodecError("--workers must be at least 1")
    if args.scheduler and args.workers is not None:
        raise EventCodecError("--workers applies to local runs; a --scheduler cluster has its own workers")
    workers = args.workers if args.workers is not None or args.scheduler else args.threads  # one thread each
    return BatchConfig(workers=workers, scheduler=args.scheduler, dask=args.dask,
                       overwrite=args.overwrite, force=args.force, retry_failed=args.retry_failed,
                       progress=not args.quiet)


def _report(summary: Any) -> int:
    for line in summary.lines():
        print(line)
    return EXIT_SOME_FAILED if summary.n_failed else 0


def run_encode_many(args: argparse.Namespace) -> int:
    from eventcodec.batch import encode_many
    from eventcodec.encode import EncodeOptions

    options = EncodeOptions(quality=args.quality, events_per_second=args.events_per_second,
                            bitrate_kbps=args.bitrate, checkpoint=args.checkpoint, seed=args.seed)
    return _report(encode_many(args.in_dir, args.out_dir, args.encoder, options, _config(args)))


def run_decode_many(args: argparse.Namespace) -> int:
    from eventcodec.batch import decode_many

    return _report(decode_many(args.in_dir, args.out_dir, _config(args)))

