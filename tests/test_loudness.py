"""BS.1770 loudness and true peak against the standard's published figures."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.loudness import LoudnessMeter, k_weighting, measure


def test_k_weighting_at_48k_is_the_standards() -> None:
    (b1, a1), (b2, a2) = k_weighting(48000)
    np.testing.assert_allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-6)
    np.testing.assert_allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-6)
    np.testing.assert_allclose(b2, [1.0, -2.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-6)


@pytest.mark.parametrize("rate", [48000, 44100, 22050])
def test_a_full_scale_1khz_sine_reads_minus_3_lufs(rate: int) -> None:
    t = np.arange(5 * rate) / rate
    level = measure(np.sin(2 * np.pi * 997 * t), rate)
    assert level.lufs == pytest.approx(-3.01, abs=0.05)
    assert level.sample_peak_dbfs == pytest.approx(0.0, abs=0.01)


def test_gates_ignore_silence_and_quiet_passages() -> None:
    rate = 48000
    t = np.arange(4 * rate) / rate
    tone = 0.5 * np.sin(2 * np.pi * 997 * t)
    alone = measure(tone, rate).lufs
    with_silence = measure(np.concatenate([tone, np.zeros(8 * rate)]), rate).lufs
    with_whisper = measure(np.concatenate([tone, 0.005 * tone]), rate).lufs  # -40 dB: under the relative gate
    assert with_silence == pytest.approx(alone, abs=0.3)  # the blocks across the join count, the rest not
    assert with_whisper == pytest.approx(alone, abs=0.3)  # only the blocks across the join count (ungated: -3 dB)
    assert measure(np.zeros(rate), rate).lufs == -np.inf


def test_blocks_of_any_size_give_the_whole_signals_measure() -> None:
    rate = 22050
    x = np.random.default_rng(0).standard_normal(3 * rate) * 0.1
    whole = measure(x, rate)
    meter = LoudnessMeter(rate)
    for lo, hi in [(0, 1), (1, 5000), (5000, 5001), (5001, len(x))]:
        meter.push(x[lo:hi])
    assert meter.result().lufs == pytest.approx(whole.lufs, abs=1e-9)
    assert meter.result().true_peak_dbfs == pytest.approx(whole.true_peak_dbfs, abs=1e-3)


def test_true_peak_sees_the_overs_between_samples() -> None:
    rate = 48000
    n = np.arange(rate)
    x = np.sin(2 * np.pi * (rate / 4) * n / rate + np.pi / 4)  # samples at +-0.707 of a full-scale sine
    level = measure(x, rate)
    assert level.sample_peak_dbfs == pytest.approx(-3.01, abs=0.01)
    assert level.true_peak_dbfs == pytest.approx(0.0, abs=0.3)
