"""keep_freed_memory: buffers freed and allocated again are reused instead of faulted in page by page."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CHILD = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from eventcodec.allocator import keep_freed_memory
    assert keep_freed_memory()
def work():
    a = np.ones(2_000_000)  # 16 MB: above glibc's default mmap threshold
    return float((a * 2.0)[-1])
work()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    work()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")


def _faults(mode: str) -> int:
    # numpy asks for huge pages on large arrays (madvise), so how many faults a buffer costs would depend
    # on how fragmented the machine's memory is: count 4 KiB pages only.
    env = {**os.environ, "NUMPY_MADVISE_HUGEPAGE": "0"}
    out = subprocess.run([sys.executable, "-c", CHILD, mode], check=True, capture_output=True, text=True, env=env)
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc")
@pytest.mark.skipif(THP.exists() and "[always]" in THP.read_text(), reason="kernel backs buffers with huge pages")
def test_freed_buffers_are_reused_without_page_faults() -> None:
    default, kept = _faults("default"), _faults("keep")
    assert default > 20 * 1000  # 20 x two 16 MB buffers faulted in again (4 KiB pages)
    assert kept < default / 20


def test_the_users_glibc_tunables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    from eventcodec.allocator import keep_freed_memory

    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")
    assert not keep_freed_memory()
