"""`--threads N`: how many cores a command computes on (torch, BLAS and OpenMP), the studio's option too."""

from __future__ import annotations

import argparse
import os
import sys

# read by OpenMP/BLAS libraries when they load (torch is imported lazily, after this is set) and by child processes
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {n}")
    return n


def add_threads(p: argparse.ArgumentParser, help: str | None = None) -> None:
    """Add --threads N (default: every core this process may use); `cli.main` applies it before the command."""
    p.add_argument("--threads", type=_count, default=None, metavar="N",
                   help=help or "cores to compute on: torch, BLAS and OpenMP threads (default: $OMP_NUM_THREADS, "
                   "else all this process may use)")


def default_threads() -> int:
    """$OMP_NUM_THREADS when it is a positive whole number (a parent's choice), else every core this process may
    run on (its CPU affinity, so a container's or taskset's limit counts)."""
    from eventcodec.batch.runners import default_workers

    env = os.environ.get("OMP_NUM_THREADS", "")
    return int(env) if env.isdigit() and int(env) > 0 else default_workers()


def apply_threads(n: int | None) -> int:
    """Compute on `n` threads (None: `default_threads()`): the environment for libraries loaded later and for
    child processes, torch if it is loaded, and the BLAS/OpenMP pools loaded now. Returns the count."""
    n = default_threads() if n is None else n
    for name in THREAD_ENV:
        os.environ[name] = str(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return n
    threadpool_limits(n)
    return n
