"""Where jobs run: a local process pool sized to the cores, or a Dask cluster. Both yield results as they finish.

Either runner keeps only a few jobs per worker in flight, so a run over thousands of files holds little
memory, and a crash loses little work.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from eventcodec.batch.jobs import JobResult, filter_stderr, limit_threads, run_job
from eventcodec.batch.orphans import die_with_run, hold_shared
from eventcodec.batch.plan import Job
from eventcodec.errors import EventCodecError

JOBS_IN_FLIGHT_PER_WORKER = 2
WORKER_RECOUNT_S = 5.0
WORKER_DIED = "worker process died (crash or out of memory)"


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class Runner(Protocol):
    """Runs `run_job` over jobs, yielding results in completion order."""

    n_workers: int
    description: str

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, JobResult]]: ...

    def close(self) -> None: ...


def _died(job: Job, reason: str) -> JobResult:
    return JobResult(job.rel, False, reason)


def _dask_reason(error: object) -> str:
    """One line for a task that failed on the Dask side (KilledWorker and the like)."""
    return " ".join(f"Dask task failed: {type(error).__name__}: {error}".split())


def _start_worker(run_pid: int, lock_path: str | None) -> None:
    """Pool initializer: the worker dies with the run, holds the run's workers lock (`orphans`) and keeps the
    decoders' chatter off the terminal (`filter_stderr`)."""
    die_with_run(run_pid)
    filter_stderr()
    if lock_path is not None:
        hold_shared(lock_path)
    limit_threads()


class LocalRunner:
    """A pool of `n_workers` processes on this machine (one torch thread each) that die with this process.

    `lock_path`: a file every worker holds a shared flock on while it lives (see `orphans`).
    """

    def __init__(self, n_workers: int | None = None, lock_path: str | None = None) -> None:
        self._lock_path = lock_path
        self.n_workers = n_workers or default_workers()
        if self.n_workers < 1:
            raise EventCodecError("--workers must be at least 1")
        self.description = f"{self.n_workers} local process{'es' if self.n_workers > 1 else ''}"
        self._pool: ProcessPoolExecutor | None = None

    def _new_pool(self) -> ProcessPoolExecutor:
        import multiprocessing

        # forkserver, not fork: forking a process that already runs torch threads can deadlock. The server
        # imports torch and the codec once; every worker (of this pool and later ones) forks from it.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["torch", "eventcodec.batch.jobs", "eventcodec.batch.runners", "eventcodec.codec"])
        return ProcessPoolExecutor(self.n_workers, mp_context=ctx, initializer=_start_worker,
                                   initargs=(os.getpid(), self._lock_path))

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, JobResult]]:
        queue = deque(jobs)
        in_flight: dict[Future[JobResult], Job] = {}
        self._pool = self._pool or self._new_pool()
        while queue or in_flight:
            while queue and len(in_flight) < self.n_workers * JOBS_IN_FLIGHT_PER_WORKER:
                job = queue.popleft()
                in_flight[self._pool.submit(run_job, job)] = job
            finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in finished:
                job = in_flight.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken, result = True, _died(job, WORKER_DIED)
                yield job, result
            if broken:  # every job still in flight died with the pool; start a fresh one for the rest
                for fut, job in in_flight.items():
                    fut.cancel()
                    yield job, _died(job, WORKER_DIED)
                in_flight.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskRunner:
    """The same jobs as Dask tasks: on the cluster at `scheduler`, or on a new `LocalCluster`.

    Workers must have eventcodec installed and see the input and output folders at the same paths
    (a shared file system).
    """

    def __init__(self, scheduler: str | None = None, n_workers: int | None = None,
                 connect_timeout_s: float = 20.0) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise EventCodecError('Dask is not installed: pip install "eventcodec[cluster]"') from None
        self._cluster: Any = None
        try:
            if scheduler:
                self._client = Client(scheduler, timeout=f"{connect_timeout_s}s")
            else:
                n = n_workers or default_workers()
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)
                self._client = Client(self._cluster)
        except (OSError, RuntimeError) as e:  # distributed raises both for unreachable or failed clusters
            self.close()
            what = f"connect to Dask scheduler {scheduler}" if scheduler else "start a local Dask cluster"
            raise EventCodecError(f"cannot {what}: {e}") from None
        self.n_workers = max(1, sum(self._client.nthreads().values()))
        self._threads_checked = time.monotonic()
        where = scheduler or "a local Dask cluster"
        self.description = f"{self.n_workers} Dask worker thread{'s' if self.n_workers > 1 else ''} on {where}"

    def run(self, jobs: Iterable[Job]) -> Iterator[tuple[Job, JobResult]]:
        from dask.distributed import as_completed

        queue = deque(jobs)
        in_flight: dict[Any, Job] = {}  # future key -> job
        pending = as_completed(with_results=True, raise_errors=False)  # results gathered in the background
        self._top_up(pending, queue, in_flight)
        for fut, value in pending:
            job = in_flight.pop(fut.key)
            result = value if isinstance(value, JobResult) else _died(job, _dask_reason(value))
            fut.release()
            self._top_up(pending, queue, in_flight)
            yield job, result

    def _top_up(self, pending: Any, queue: deque[Job], in_flight: dict[Any, Job]) -> None:
        """Keep two tasks per worker thread in flight; the worker count is re-read every few seconds, so
        workers may come and go (adaptive clusters)."""
        if time.monotonic() - self._threads_checked > WORKER_RECOUNT_S:
            self.n_workers = max(1, sum(self._client.nthreads().values()))
            self._threads_checked = time.monotonic()
        while queue and len(in_flight) < self.n_workers * JOBS_IN_FLIGHT_PER_WORKER:
            job = queue.popleft()
            fut = self._client.submit(run_job, job, pure=False)
            in_flight[fut.key] = job
            pending.add(fut)

    def close(self) -> None:
        client: Any = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()
