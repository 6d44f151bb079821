"""Streaming windows and the tail buffer of the abs encoder."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.encode.abs.stream import HOP_SAMPLES, WINDOW_SAMPLES, TailBuffer, analysis_windows


def _blocks(x: np.ndarray, size: int) -> list[np.ndarray]:
    return [x[i : i + size] for i in range(0, len(x), size)]


@pytest.mark.parametrize("n", [1, 1000, HOP_SAMPLES, WINDOW_SAMPLES, WINDOW_SAMPLES + 1, 3 * HOP_SAMPLES + 17])
@pytest.mark.parametrize("block", [777, HOP_SAMPLES])
def test_windows_cover_input_and_commit_each_sample_once(n: int, block: int) -> None:
    x = np.arange(n, dtype=np.float32)
    wins = list(analysis_windows(_blocks(x, block)))
    assert wins[-1].final and not any(w.final for w in wins[:-1])
    committed = 0
    for i, w in enumerate(wins):
        assert w.start == i * HOP_SAMPLES
        assert w.audio.shape == (WINDOW_SAMPLES,)
        np.testing.assert_array_equal(w.audio[: w.n_valid], x[w.start : w.start + w.n_valid])
        assert not w.audio[w.n_valid :].any()
        assert w.start == committed
        committed += w.commit_samples
    assert committed == n


def test_empty_input_yields_no_window() -> None:
    assert list(analysis_windows([])) == []


def test_tail_buffer_carries_audio_across_hops() -> None:
    buf = TailBuffer(2 * WINDOW_SAMPLES)
    tone = np.ones(WINDOW_SAMPLES, np.float32)
    buf.add(HOP_SAMPLES, tone)
    assert buf.window()[:HOP_SAMPLES].sum() == 0
    buf.advance()
    assert np.all(buf.window()[:WINDOW_SAMPLES] == 1.0)
    buf.advance()
    assert buf.window()[: HOP_SAMPLES].sum() == HOP_SAMPLES
    assert buf.window()[HOP_SAMPLES:].sum() == 0
