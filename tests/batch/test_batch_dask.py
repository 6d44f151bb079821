"""The Dask path on a 2-worker LocalCluster writes the same bytes as the local process pool."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from batch_clips import write_clip

from eventcodec.batch import BatchConfig, decode_many, encode_many
from eventcodec.batch.runners import DaskRunner
from eventcodec.cli.main import main
from eventcodec.encode import EncodeOptions
from eventcodec.errors import EventCodecError

distributed = pytest.importorskip("dask.distributed")

ENCODER = "abs"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A LocalCluster with 2 single-thread worker processes, like a small real cluster."""
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def test_dask_cluster_matches_local_pool_byte_for_byte(scheduler: str, tmp_path: Path) -> None:
    src = tmp_path / "in"
    for i in range(3):
        write_clip(src / f"set{i % 2}" / f"clip{i}.wav", seconds=0.5 + 0.25 * i, f0_hz=200.0 + 70 * i, seed=i)
    local = encode_many(src, tmp_path / "local", ENCODER, EncodeOptions(quality="fast", seed=3),
                        BatchConfig(workers=1, progress=False))
    rc = main(["encode-many", str(src), str(tmp_path / "dask"), "--encoder", ENCODER, "--quality", "fast",
               "--seed", "3", "--scheduler", scheduler, "--quiet"])
    assert local.n_done_now == 3 and rc == 0
    rels = sorted(p.relative_to(tmp_path / "local") for p in (tmp_path / "local").rglob("*.evc"))
    assert rels == sorted(p.relative_to(tmp_path / "dask") for p in (tmp_path / "dask").rglob("*.evc"))
    for rel in rels:
        a, b = (tmp_path / "local" / rel).read_bytes(), (tmp_path / "dask" / rel).read_bytes()
        assert a == b, f"{rel}: {len(a)} vs {len(b)} bytes, first difference at byte {_first_difference(a, b)}"

    on_dask = decode_many(tmp_path / "dask", tmp_path / "wav", BatchConfig(scheduler=scheduler, progress=False))
    on_pool = decode_many(tmp_path / "local", tmp_path / "wav_local", BatchConfig(workers=1, progress=False))
    assert (on_dask.n_done_now, on_dask.n_failed, on_pool.n_done_now) == (3, 0, 3)
    assert "Dask" in on_dask.workers
    for rel in rels:
        a, b = ((d / rel).with_suffix(".wav").read_bytes() for d in (tmp_path / "wav", tmp_path / "wav_local"))
        assert a == b, f"{rel}: decoded wavs differ at byte {_first_difference(a, b)}"


def test_dask_runner_starts_its_own_cluster_and_reports_bad_schedulers() -> None:
    runner = DaskRunner(None, n_workers=1)
    try:
        assert runner.n_workers == 1 and "local Dask cluster" in runner.description
    finally:
        runner.close()
    with pytest.raises(EventCodecError, match="cannot connect to Dask scheduler"):
        DaskRunner("tcp://127.0.0.1:9", connect_timeout_s=1.0)
