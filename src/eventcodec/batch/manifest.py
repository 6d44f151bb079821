"""The batch manifest: a JSON record, per input file, of what was done with which settings.

One JSON object, rewritten atomically (never pickle). Keyed by the input path relative to the input
folder. Each entry holds `status` (`done`, `failed` or `pending`), the `settings`, the `input` (sha256,
size, mtime_ns), the `output` (path relative to the output folder, size), and the audio duration, event
count and wall time, or the failure `error`.

`pending` is written *before* a file is handed to a worker, with the stat of any older output. A run
killed after a worker renamed its output into place, but before the manifest said so, is therefore
recognised on resume: same settings, same input, and an output that is not the old one means done.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from eventcodec.batch.jobs import JobResult, sha256_file
from eventcodec.batch.plan import Job, Kind
from eventcodec.errors import EventCodecError
from eventcodec.fileio import write_bytes_atomic

MANIFEST_VERSION = 1
Verdict = Literal["done", "adopt", "todo", "foreign", "failed"]


def manifest_name(kind: Kind) -> str:
    """File name of the manifest in the output folder."""
    return f"{kind}-manifest.json"


def _stat_of(path: str) -> dict[str, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return {"ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


@dataclass
class Manifest:
    """Per-file records of one output folder; `save()` writes them atomically."""

    path: Path
    kind: Kind
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)

    @staticmethod
    def load(out_dir: str | os.PathLike[str], kind: Kind) -> Manifest:
        """Read the manifest of `out_dir` (empty when there is none).

        Raises:
            EventCodecError: the file is not a manifest this version can read.
        """
        path = Path(out_dir) / manifest_name(kind)
        if not path.exists():
            return Manifest(path, kind)
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise EventCodecError(f"cannot read manifest {path}: {e}; move it away to start over") from None
        if not isinstance(obj, dict) or obj.get("version") != MANIFEST_VERSION or obj.get("kind") != kind:
            raise EventCodecError(f"{path} is not a version-{MANIFEST_VERSION} {kind} manifest")
        files = obj.get("files")
        if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
            raise EventCodecError(f"{path} has no valid 'files' table")
        return Manifest(path, kind, files)

    def save(self) -> None:
        """Write the whole manifest atomically."""
        obj = {"version": MANIFEST_VERSION, "kind": self.kind, "files": self.entries}
        write_bytes_atomic(self.path, json.dumps(obj, indent=1, sort_keys=True).encode("utf-8"), clean_stale=False)

    def verdict(self, job: Job, overwrite: bool = False) -> Verdict:
        """What to do with `job`.

        Returns:
            `done` (skip it), `adopt` (a worker finished it just before a crash), `todo` (run it),
            `foreign` (an output exists that no batch run into this folder wrote; kept unless `overwrite`), or
            `failed` (it failed before with the same settings and the same input: not retried).
        """
        entry = self.entries.get(job.rel)
        out_stat = _stat_of(job.output_path)
        if out_stat is not None and not overwrite and not self._owns_output(entry, job, out_stat):
            return "foreign"
        if (entry is not None and entry.get("status") == "failed" and entry.get("settings") == job.settings
                and entry.get("output", {}).get("path") == job.output_rel and self._same_input(entry, job)):
            return "failed"
        if entry is None or out_stat is None or entry.get("settings") != job.settings:
            return "todo"
        if entry.get("output", {}).get("path") != job.output_rel:
            return "todo"
        if entry.get("status") == "done":
            size_same = out_stat["size"] == entry["output"].get("size")
            return "done" if size_same and self._same_input(entry, job) else "todo"
        if entry.get("status") == "pending":
            prior = entry.get("prior_output")
            replaced = prior is None or any(prior.get(k) != out_stat[k] for k in ("ino", "size", "mtime_ns"))
            recorded = entry.get("input", {})
            stat_same = recorded.get("size") == job.size_bytes and recorded.get("mtime_ns") == job.mtime_ns
            return "adopt" if replaced and stat_same else "todo"
        return "todo"

    @staticmethod
    def _owns_output(entry: dict[str, Any] | None, job: Job, out_stat: dict[str, int]) -> bool:
        """True when the existing output at `job.output_path` was written by a batch run into this folder."""
        if entry is None or entry.get("output", {}).get("path") != job.output_rel:
            return False
        if entry.get("status") in ("done", "pending"):
            return True
        return entry.get("prior_output") == out_stat

    def _same_input(self, entry: dict[str, Any], job: Job) -> bool:
        """True when the input is unchanged: same size and mtime, or (after a copy/touch) same sha256."""
        recorded = entry.get("input", {})
        if recorded.get("size") != job.size_bytes:
            return False
        if recorded.get("mtime_ns") == job.mtime_ns:
            return True
        try:
            if not recorded.get("sha256") or sha256_file(job.input_path) != recorded.get("sha256"):
                return False
        except OSError:
            return False
        recorded["mtime_ns"] = job.mtime_ns
        return True

    def mark_pending(self, job: Job) -> None:
        """Record that `job` is about to be handed to a worker."""
        self.entries[job.rel] = {
            "status": "pending",
            "settings": job.settings,
            "input": {"size": job.size_bytes, "mtime_ns": job.mtime_ns},
            "output": {"path": job.output_rel},
            "prior_output": _stat_of(job.output_path),
        }

    def record(self, job: Job, result: JobResult) -> None:
        """Store a worker's result for `job`."""
        entry: dict[str, Any] = {
            "status": "done" if result.ok else "failed",
            "settings": job.settings,
            "input": {"sha256": result.input_sha256, "size": job.size_bytes, "mtime_ns": job.mtime_ns},
            "output": {"path": job.output_rel, "size": result.output_size},
            "duration_s": result.duration_s,
            "n_events": result.n_events,
            "wall_s": round(result.wall_s, 3),
            "cpu_s": round(result.cpu_s, 3),
            "worker": result.worker,
        }
        if not result.ok:
            entry["error"] = result.error
            entry["prior_output"] = self.entries.get(job.rel, {}).get("prior_output")
        self.entries[job.rel] = entry

    def adopt(self, job: Job, duration_s: float, n_events: int) -> None:
        """Turn a `pending` entry whose output was completed before a crash into a `done` one."""
        out_stat = _stat_of(job.output_path)
        size = out_stat["size"] if out_stat else 0
        self.record(job, JobResult(job.rel, True, "", sha256_file(job.input_path), size, duration_s, n_events))
