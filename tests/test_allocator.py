"""keep_freed_memory: buffers freed and allocated again are reused instead of faulted in page by page."""

from __future__ import annotations

import subprocess
import sys

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


def _faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc")
def test_freed_buffers_are_reused_without_page_faults() -> None:
    default, kept = _faults("default"), _faults("keep")
    assert default > 20 * 1000  # 20 x two 16 MB buffers faulted in again (4 KiB pages)
    assert kept < default / 20


def test_the_users_glibc_tunables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    from eventcodec.allocator import keep_freed_memory

    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0")
    assert not keep_freed_memory()
