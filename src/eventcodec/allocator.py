"""Keep freed memory for reuse (glibc malloc): the codec's renders allocate many multi-MB buffers.

glibc hands each large buffer back to the OS when it is freed (mmap above a threshold, heap trimming
above another), so the next batch's buffer of the same size is faulted in again page by page: on the
decoder this was 10-20% of the CPU time (minor page faults and zeroing). Fixing both thresholds keeps
buffers up to 32 MB in the heap and up to 256 MB of freed memory in the process. The CLI, the studio's
workers and the benchmarks call `keep_freed_memory` once at start; library users may do the same (or set
`GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456`).
"""

from __future__ import annotations

import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1  # mallopt parameter numbers from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's largest allowed value
TRIM_THRESHOLD_BYTES = 256 << 20  # freed memory kept before the heap is trimmed


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds for this process; True when applied.

    Does nothing (False) off Linux, without glibc, or when GLIBC_TUNABLES already sets malloc options
    (the user's choice wins).
    """
    if not sys.platform.startswith("linux") or "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(mallopt(M_TRIM_THRESHOLD,
                                                                                 TRIM_THRESHOLD_BYTES))
