"""The manifest decides what a re-run skips: done files, settings changes, crashes, foreign outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eventcodec.batch.jobs import JobResult, sha256_file
from eventcodec.batch.manifest import Manifest, manifest_name
from eventcodec.batch.plan import Job, plan_jobs
from eventcodec.batch.run import _locked, _triage, remove_stale_parts
from eventcodec.batch.summary import BatchSummary
from eventcodec.errors import EventCodecError
from eventcodec.fileio import write_bytes_atomic
from eventcodec.types import EventSet

SETTINGS = {"encoder": "abs", "seed": 0}


def _job(tmp_path: Path, settings: dict[str, object] = SETTINGS) -> Job:
    (tmp_path / "in").mkdir(exist_ok=True)
    if not (tmp_path / "in" / "a.wav").exists():
        (tmp_path / "in" / "a.wav").write_bytes(b"audio bytes")
    (tmp_path / "out").mkdir(exist_ok=True)
    return plan_jobs("encode", tmp_path / "in", tmp_path / "out", settings)[0]


def _finish(manifest: Manifest, job: Job, payload: bytes = b"evc") -> None:
    """What a worker and the run loop do for a successful job."""
    manifest.mark_pending(job)
    write_bytes_atomic(job.output_path, payload)
    manifest.record(job, JobResult(job.rel, True, "", sha256_file(job.input_path), len(payload), 1.0, 3))


def test_done_file_is_skipped_and_survives_a_reload(tmp_path: Path) -> None:
    job = _job(tmp_path)
    m = Manifest.load(tmp_path / "out", "encode")
    assert m.verdict(job) == "todo"
    _finish(m, job)
    m.save()
    again = Manifest.load(tmp_path / "out", "encode")
    assert again.verdict(job) == "done"
    assert again.entries["a.wav"]["input"]["sha256"] == sha256_file(job.input_path)
    assert again.entries["a.wav"]["output"] == {"path": "a.evc", "size": 3}


def test_settings_change_reencodes(tmp_path: Path) -> None:
    m = Manifest.load(tmp_path / "out", "encode")
    _finish(m, _job(tmp_path))
    assert m.verdict(_job(tmp_path, {"encoder": "abs", "seed": 1})) == "todo"


def test_changed_input_reencodes_but_a_touched_one_does_not(tmp_path: Path) -> None:
    job = _job(tmp_path)
    m = Manifest.load(tmp_path / "out", "encode")
    _finish(m, job)
    st = os.stat(job.input_path)
    os.utime(job.input_path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert m.verdict(_job(tmp_path)) == "done"  # same bytes, new mtime: hashed, not redone
    Path(job.input_path).write_bytes(b"AUDIO BYTES")  # same size, new content
    assert m.verdict(_job(tmp_path)) == "todo"


def test_deleted_or_altered_output_is_redone(tmp_path: Path) -> None:
    job = _job(tmp_path)
    m = Manifest.load(tmp_path / "out", "encode")
    _finish(m, job)
    Path(job.output_path).write_bytes(b"truncat")
    assert m.verdict(job) == "todo"
    Path(job.output_path).unlink()
    assert m.verdict(job) == "todo"


def test_output_renamed_before_a_crash_is_adopted(tmp_path: Path) -> None:
    job = _job(tmp_path)
    m = Manifest.load(tmp_path / "out", "encode")
    m.mark_pending(job)
    m.save()
    assert Manifest.load(tmp_path / "out", "encode").verdict(job) == "todo"  # killed before the worker wrote
    write_bytes_atomic(job.output_path, b"evc")  # the worker finished, then the run was killed
    assert Manifest.load(tmp_path / "out", "encode").verdict(job) == "adopt"


def test_old_output_under_a_pending_entry_is_not_adopted(tmp_path: Path) -> None:
    m = Manifest.load(tmp_path / "out", "encode")
    _finish(m, _job(tmp_path))
    new_job = _job(tmp_path, {"encoder": "abs", "seed": 7})
    m.mark_pending(new_job)  # re-encode with new settings was started, then killed
    assert m.verdict(new_job) == "todo"


def test_foreign_output_is_kept_unless_overwrite(tmp_path: Path) -> None:
    job = _job(tmp_path)
    Path(job.output_path).write_bytes(b"someone else's file")
    m = Manifest.load(tmp_path / "out", "encode")
    assert m.verdict(job) == "foreign"
    assert m.verdict(job, overwrite=True) == "todo"


def test_failed_entry_keeps_our_older_output_ours(tmp_path: Path) -> None:
    m = Manifest.load(tmp_path / "out", "encode")
    _finish(m, _job(tmp_path))
    job2 = _job(tmp_path, {"encoder": "abs", "seed": 2})
    m.mark_pending(job2)
    m.record(job2, JobResult(job2.rel, False, "boom"))
    assert m.entries["a.wav"]["error"] == "boom"
    assert m.verdict(job2) == "failed"  # ours, not foreign; and unchanged, so not retried
    assert m.verdict(_job(tmp_path, {"encoder": "abs", "seed": 3})) == "todo"  # new settings: retried


def test_failed_file_is_retried_only_when_it_changed(tmp_path: Path) -> None:
    m = Manifest.load(tmp_path / "out", "encode")
    job = _job(tmp_path)
    m.mark_pending(job)
    m.record(job, JobResult(job.rel, False, "boom", "0" * 64))
    assert m.verdict(job) == "failed"
    changed = Path(job.input_path)
    changed.write_bytes(changed.read_bytes() + b"x")
    assert m.verdict(_job(tmp_path)) == "todo"


def test_unreadable_manifest_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / manifest_name("encode")).write_text("{not json")
    with pytest.raises(EventCodecError, match="move it away"):
        Manifest.load(tmp_path, "encode")
    (tmp_path / manifest_name("encode")).write_text('{"version": 1, "kind": "decode", "files": {}}')
    with pytest.raises(EventCodecError, match="encode manifest"):
        Manifest.load(tmp_path, "encode")


def test_only_our_stale_part_files_are_removed(tmp_path: Path) -> None:
    ours = [tmp_path / ".a.evc.k2j_x9q1.part", tmp_path / "sub" / ".encode-manifest.json.abcdefgh.part"]
    theirs = [tmp_path / ".a.wav.k2j_x9q1.part", tmp_path / "movie.part", tmp_path / ".a.evc.part"]
    for p in ours + theirs:
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"")
    assert remove_stale_parts(tmp_path, "encode") == 2
    assert [p.exists() for p in ours + theirs] == [False, False, True, True, True]


def test_second_run_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    with _locked(tmp_path, "encode"):
        with pytest.raises(EventCodecError, match="another encode-many run"), _locked(tmp_path, "encode"):
            pass
        with _locked(tmp_path, "decode"):  # encode and decode runs keep separate manifests
            pass
    with _locked(tmp_path, "encode"):  # released when the first run ends
        pass


def test_triage_adopts_a_valid_output_left_by_a_killed_run(tmp_path: Path) -> None:
    job = _job(tmp_path)
    m = Manifest.load(tmp_path / "out", "encode")
    m.mark_pending(job)
    write_bytes_atomic(job.output_path, EventSet.empty(n_samples=44100).to_bytes())
    summary = BatchSummary(kind="encode")
    assert _triage(m, [job], overwrite=False, summary=summary) == []
    entry = m.entries["a.wav"]
    assert (entry["status"], entry["duration_s"], summary.n_skipped) == ("done", 2.0, 1)
    assert entry["input"]["sha256"] == sha256_file(job.input_path)
    assert _triage(m, [job], overwrite=False, summary=summary, force=True) == [job]
    Path(job.output_path).write_bytes(b"not an evc")  # an output that does not parse is redone, not adopted
    m.mark_pending(job)
    Path(job.output_path).write_bytes(b"not an evc either")
    assert _triage(m, [job], overwrite=False, summary=summary) == [job]
