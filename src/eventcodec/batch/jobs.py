"""What a worker does with one file: encode or decode it, write the output atomically, report back.

These functions run in pool processes and on Dask workers, so they take and return plain picklable
values and never raise for a bad file: the failure and its reason travel back in the result.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from eventcodec.batch.plan import Job
from eventcodec.errors import EventCodecError

HASH_CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class JobResult:
    """The outcome of one job.

    Attributes:
        rel: the job's input path relative to the input folder (manifest key).
        ok: the output was written.
        error: one-line reason when not ok.
        input_sha256: hex sha256 of the input bytes that were processed.
        output_size: bytes written.
        duration_s: seconds of audio in the file.
        n_events: events in the EventSet.
        wall_s: seconds the worker spent on the job.
        cpu_s: CPU seconds the worker process used for the job (all its threads).
        worker: `host:pid` of the worker.
    """

    rel: str
    ok: bool
    error: str = ""
    input_sha256: str = ""
    output_size: int = 0
    duration_s: float = 0.0
    n_events: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    worker: str = ""


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    return _hash_and_size(path)[0]


def _hash_and_size(path: str | os.PathLike[str]) -> tuple[str, int]:
    h, n_bytes = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(HASH_CHUNK_BYTES):
            h.update(chunk)
            n_bytes += len(chunk)
    return h.hexdigest(), n_bytes


# glibc mallopt parameters (malloc.h). Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which
# also freezes glibc's mmap threshold at 128 KiB: every large torch buffer is then mmapped and unmapped
# afresh, and an encode spends as much time in page faults as in arithmetic (measured: 2x slower).
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's ceiling for the dynamic threshold on 64-bit
TRIM_THRESHOLD_BYTES = 64 << 20


def relax_malloc() -> None:
    """Let glibc keep freed buffers for reuse (no-op where the C library is not glibc)."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own symbols: libc is loaded already
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
    mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)


@functools.cache
def _setup_process() -> None:
    """Process-wide settings that never change once made: one BLAS thread, glibc's malloc thresholds."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    relax_malloc()


def limit_threads() -> None:
    """One thread per worker (torch and BLAS): workers are the parallelism, results must not depend on threads.

    Without the BLAS limit every pool process runs one OpenBLAS thread per core, and two workers on two
    cores were measured 40% slower per job than one. Also undoes Dask's malloc settings (`relax_malloc`).
    Runs before every job (Dask workers have no initializer); the process-wide part runs once.
    """
    import torch

    torch.set_num_threads(1)
    _setup_process()


def filter_stderr(keep: bytes = b"error") -> None:
    """In a pool worker: pass on only the stderr lines that contain `keep` (any case).

    The C decoders write notes straight to file descriptor 2 (mpg123: "Note: Trying to resync...", "Warning:
    Xing stream size off..."), one screenful per damaged mp3 in a library-sized run; a failed file's real
    reason travels back in its JobResult, and lines that say "error" still reach the terminal.
    """
    import threading

    read_fd, write_fd = os.pipe()
    terminal = os.dup(2)
    os.dup2(write_fd, 2)
    os.close(write_fd)

    def pump() -> None:
        with os.fdopen(read_fd, "rb") as lines:
            for line in lines:
                if keep in line.lower():
                    os.write(terminal, line)

    threading.Thread(target=pump, name="eventcodec-stderr-filter", daemon=True).start()


def _encode(job: Job) -> tuple[bytes, float, int]:
    from eventcodec.codec import encode_file
    from eventcodec.encode import EncodeOptions

    s = job.settings
    options = EncodeOptions(quality=s["quality"], events_per_second=s["events_per_second"],
                            bitrate_kbps=s["bitrate_kbps"], checkpoint=s["checkpoint"], seed=s["seed"])
    events = encode_file(job.input_path, s["encoder"], options, progress=False)
    return events.to_bytes(), events.duration_s, len(events)


def _decode(job: Job) -> tuple[bytes, float, int]:
    import io

    import soundfile as sf

    from eventcodec.codec import decode
    from eventcodec.limiter import input_ceiling_db, limit
    from eventcodec.types import EventSet

    events = EventSet.from_bytes(Path(job.input_path).read_bytes())
    audio = decode(events)
    ceiling_db = input_ceiling_db(events.meta, float32=job.settings["subtype"] == "FLOAT")
    if ceiling_db is not None:  # never louder than the input's peak
        audio = limit(audio, ceiling_db, events.sample_rate)
    buf = io.BytesIO()
    sf.write(buf, audio.clip(-1.0, 1.0), events.sample_rate, subtype=job.settings["subtype"], format="WAV")
    return buf.getvalue(), events.duration_s, len(events)


_WORK: dict[str, Callable[[Job], tuple[bytes, float, int]]] = {"encode": _encode, "decode": _decode}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def run_job(job: Job) -> JobResult:
    """Process one file and write its output atomically; failures come back as a result, not an exception."""
    from eventcodec.fileio import write_bytes_atomic

    limit_threads()
    t0, c0 = time.perf_counter(), time.process_time()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    sha = ""

    def failed(reason: str) -> JobResult:
        return JobResult(job.rel, False, _one_line(reason), sha, wall_s=time.perf_counter() - t0,
                         cpu_s=time.process_time() - c0, worker=worker)

    try:
        sha, n_bytes = _hash_and_size(job.input_path)
        if n_bytes == 0:
            raise EventCodecError("empty file")
        data, duration_s, n_events = _WORK[job.kind](job)
        Path(job.output_path).parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(job.output_path, data, clean_stale=False)  # the run cleaned the tree once
    except EventCodecError as e:
        return failed(str(e))
    except OSError as e:
        return failed(f"{e.strerror or e}: {e.filename}" if e.filename else str(e))
    except Exception as e:  # a bug or a library error on one file must not stop a library-sized run
        return failed(f"{type(e).__name__}: {e}")
    return JobResult(job.rel, True, "", sha, len(data), duration_s, n_events, time.perf_counter() - t0,
                     time.process_time() - c0, worker)


def evc_stats(job: Job) -> tuple[float, int]:
    """Audio seconds and event count of the job's .evc (the output of an encode, the input of a decode).

    Raises:
        EventCodecError: the file is not a valid .evc.
    """
    from eventcodec.types import EventSet

    path = job.output_path if job.kind == "encode" else job.input_path
    try:
        events = EventSet.from_bytes(Path(path).read_bytes())
    except OSError as e:
        raise EventCodecError(f"cannot read {path}: {e.strerror}") from None
    return events.duration_s, len(events)
