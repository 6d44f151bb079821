import numpy as np
from bench_signals import SR, repeated_note

from eventcodec import metrics
from eventcodec.bench.anchors import noise_vocoder
from eventcodec.texture.grid import FRAME_SAMPLES


def test_noise_vocoder_keeps_length_and_level_to_the_last_sample():
    n = 3 * SR + 123  # 737 samples past the last whole texture frame: they must be analysed too
    assert n % FRAME_SAMPLES == 737
    x = (0.1 * np.random.default_rng(0).standard_normal(n)).astype(np.float32)
    y = noise_vocoder(x, SR)
    assert y.shape == x.shape and np.all(np.isfinite(y))
    rms = lambda s: float(np.sqrt(np.mean(s**2)))  # noqa: E731
    assert abs(20 * np.log10(rms(y) / rms(x))) < 3.0  # levels are stored in 6 dB steps
    assert rms(y[-256:]) > 0.6 * rms(x[-256:])  # an unanalysed tail fades out (0.3 here)


def test_noise_vocoder_fools_st_corr_but_not_fs_corr():
    x = repeated_note(220.0, 3 * SR)
    y = noise_vocoder(x, SR)
    assert metrics.st_corr(x, y, SR) > 0.5
    assert abs(metrics.fs_corr(x, y, SR)) < 0.2
