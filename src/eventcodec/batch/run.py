"""A batch run: plan the files, skip the done ones, hand the rest to a runner, keep the manifest, summarise."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eventcodec.batch.jobs import JobResult, evc_stats
from eventcodec.batch.manifest import Manifest, manifest_name
from eventcodec.batch.orphans import ORPHAN_WAIT_S, exclusive
from eventcodec.batch.plan import OUTPUT_SUFFIX, Job, Kind, plan_jobs
from eventcodec.batch.runners import DaskRunner, LocalRunner, Runner
from eventcodec.batch.summary import BatchSummary
from eventcodec.encode import EncodeOptions
from eventcodec.errors import EventCodecError

MANIFEST_SAVE_INTERVAL_S = 1.0
# Temporary files of `fileio.write_atomic`: ".<name>.<pid>.<8 random chars>.part" (older: no pid).
_PART_RE = re.compile(r"^\.(?P<name>.+?)(\.\d+)?\.[a-z0-9_]{8}\.part$")


@dataclass(frozen=True)
class BatchConfig:
    """How and where a batch runs.

    Attributes:
        workers: local processes (or LocalCluster workers); None: one per core.
        scheduler: address of a running Dask scheduler (`tcp://host:8786`); implies Dask.
        dask: run on a new Dask LocalCluster instead of a process pool.
        overwrite: replace existing outputs that no batch run into this folder wrote.
        force: redo files already done (e.g. after upgrading the encoder or synthesizer), and failed ones.
        retry_failed: try again files that failed before although neither they nor the settings changed.
        progress: show a progress bar on stderr.
    """

    workers: int | None = None
    scheduler: str | None = None
    dask: bool = False
    overwrite: bool = False
    force: bool = False
    retry_failed: bool = False
    progress: bool = True


def encode_settings(encoder: str, options: EncodeOptions) -> dict[str, Any]:
    """The settings an encoded file depends on (a change re-encodes)."""
    return {"encoder": encoder, **asdict(options)}


def decode_settings() -> dict[str, Any]:
    """The settings a decoded file depends on."""
    return {"format": "wav", "subtype": "PCM_16"}


def encode_many(in_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str], encoder: str = "abs",
                options: EncodeOptions | None = None, config: BatchConfig | None = None) -> BatchSummary:
    """Encode every audio file under `in_dir` to a mirrored .evc under `out_dir` (resumable)."""
    from eventcodec.encode import get_encoder

    get_encoder(encoder)  # an unknown name is one error now, not one failure per file
    return run_batch("encode", in_dir, out_dir, encode_settings(encoder, options or EncodeOptions()),
                     config or BatchConfig())


def decode_many(in_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str],
                config: BatchConfig | None = None) -> BatchSummary:
    """Decode every .evc under `in_dir` to a mirrored 16-bit .wav under `out_dir` (resumable)."""
    return run_batch("decode", in_dir, out_dir, decode_settings(), config or BatchConfig())


def make_runner(config: BatchConfig, lock_path: Path | None = None) -> Runner:
    """A Dask runner when asked for one, else a local process pool whose workers hold `lock_path` shared."""
    if config.scheduler or config.dask:
        return DaskRunner(config.scheduler, config.workers)
    return LocalRunner(config.workers, str(lock_path) if lock_path else None)


def workers_lock(out_dir: Path, kind: Kind) -> Path:
    """The file a run's pool workers hold a shared lock on while they live."""
    return out_dir / f".{kind}-workers.lock"


@contextmanager
def _locked(out_dir: Path, kind: Kind) -> Iterator[None]:
    """Only one run of a kind per output folder, and none while workers of a killed one still live.

    The OS drops the locks of a killed process; the lock files are removed when the run ends.
    """
    with exclusive(out_dir / f".{kind}-manifest.lock", busy=f"another {kind}-many run is writing to {out_dir}"):
        workers = workers_lock(out_dir, kind)
        with exclusive(workers, ORPHAN_WAIT_S, busy=f"workers of an earlier {kind}-many run into {out_dir} "
                                                    f"are still running (they hold {workers.name})"):
            pass
        try:
            yield
        finally:
            with suppress(EventCodecError), exclusive(workers, ORPHAN_WAIT_S):  # workers gone: remove the file
                pass


def remove_stale_parts(out_dir: Path, kind: Kind) -> int:
    """Delete temporary files a killed run left behind (ours only: outputs and manifest of `kind`)."""
    removed = 0
    for root, _, files in os.walk(out_dir):
        for name in files:
            m = _PART_RE.match(name)
            if m and (m["name"].endswith(OUTPUT_SUFFIX[kind]) or m["name"] == manifest_name(kind)):
                os.unlink(os.path.join(root, name))
                removed += 1
    return removed


def _triage(manifest: Manifest, jobs: list[Job], overwrite: bool, summary: BatchSummary,
            force: bool = False, retry_failed: bool = False) -> list[Job]:
    """Jobs still to run; records adopted outputs, foreign-output failures and old failures on the way."""
    todo = []
    for job in jobs:
        verdict = manifest.verdict(job, overwrite)
        if (force and verdict in ("done", "adopt", "failed")) or (retry_failed and verdict == "failed"):
            verdict = "todo"
        if verdict == "adopt":
            try:
                manifest.adopt(job, *evc_stats(job))
                verdict = "done"
            except EventCodecError:
                verdict = "todo"
        if verdict == "done":
            summary.n_skipped += 1
        elif verdict == "failed":
            summary.old_failures.append((job.rel, str(manifest.entries[job.rel].get("error", ""))))
        elif verdict == "foreign":
            summary.failures.append((job.rel, f"output {job.output_rel} exists and no batch run wrote it; "
                                              "move it away or use --overwrite"))
        else:
            todo.append(job)
    return todo


def _totals(manifest: Manifest, jobs: list[Job], summary: BatchSummary) -> None:
    for job in jobs:
        entry = manifest.entries.get(job.rel, {})
        if entry.get("status") == "done":
            summary.audio_s += float(entry.get("duration_s", 0.0))
            summary.bytes_in += int(entry["input"].get("size", 0))
            summary.bytes_out += int(entry["output"].get("size", 0))


def _execute(runner: Runner, manifest: Manifest, todo: list[Job], summary: BatchSummary,
             progress: bool) -> None:
    from tqdm import tqdm

    last_save, save_s, processed = time.monotonic(), 0.0, 0
    bar = tqdm(total=sum(j.size_bytes for j in todo), unit="B", unit_scale=True, desc=summary.kind,
               disable=not progress, dynamic_ncols=True)
    try:
        for job, result in runner.run(todo):
            manifest.record(job, result)
            _count(result, summary)
            processed += 1
            bar.update(job.size_bytes)
            bar.set_postfix_str(f"{processed}/{len(todo)} files, {summary.n_failed} failed")
            # a big manifest takes a while to write: keep saving it under ~5% of the run's time
            if time.monotonic() - last_save > max(MANIFEST_SAVE_INTERVAL_S, 20 * save_s):
                t0 = time.monotonic()
                manifest.save()
                last_save, save_s = time.monotonic(), time.monotonic() - t0
    finally:
        bar.close()


def _count(result: JobResult, summary: BatchSummary) -> None:
    if result.ok:
        summary.n_done_now += 1
        summary.audio_s_now += result.duration_s
    else:
        summary.failures.append((result.rel, result.error))


def run_batch(kind: Kind, in_dir: str | os.PathLike[str], out_dir: str | os.PathLike[str],
              settings: dict[str, Any], config: BatchConfig) -> BatchSummary:
    """Process every input under `in_dir` that is not already done; see `encode_many`/`decode_many`.

    Raises:
        EventCodecError: bad folders, another run on the same output folder, an unreadable manifest,
            or a Dask scheduler that cannot be reached. Failures of single files are not raised: they
            are in the summary and the manifest.
    """
    t0 = time.perf_counter()
    jobs = plan_jobs(kind, in_dir, out_dir, settings)
    dest = Path(out_dir)
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise EventCodecError(f"cannot create output folder {out_dir}: {e.strerror}") from None
    summary = BatchSummary(kind=kind, n_files=len(jobs))
    with _locked(dest, kind):
        remove_stale_parts(dest, kind)
        manifest = Manifest.load(dest, kind)
        todo = _triage(manifest, jobs, config.overwrite, summary, config.force, config.retry_failed)
        for job in todo:
            manifest.mark_pending(job)
        manifest.save()
        if todo:
            runner = make_runner(config, workers_lock(dest, kind))
            summary.workers = runner.description
            try:
                _execute(runner, manifest, todo, summary, config.progress)
            finally:
                manifest.save()
                runner.close()
    _totals(manifest, jobs, summary)
    summary.failures.sort()
    summary.old_failures.sort()
    summary.wall_s = time.perf_counter() - t0
    return summary
