"""The search's spectral weighting: flattens the long-term spectrum by the asked exponent, keeps energy."""

import numpy as np

from eventcodec.encode.abs.pursuit import spectral_weights


def _tilted(n_frames: int = 40) -> np.ndarray:
    f = np.arange(1025, dtype=np.float64)
    level = 1e4 * (1.0 + f) ** -2.0  # a steep spectral tilt: -40 dB per decade
    rng = np.random.default_rng(0)
    return (level[:, None] * rng.uniform(0.5, 1.5, (1025, n_frames))).astype(np.float32)


def test_no_whitening_is_plain_power() -> None:
    t = _tilted()
    assert np.array_equal(spectral_weights(t, np.ones(t.shape[1], np.float32), 0.0), np.ones(1025, np.float32))


def test_whitening_flattens_the_tilt_and_keeps_the_energy() -> None:
    t = _tilted()
    w = np.ones(t.shape[1], np.float32)
    ratio = []
    for gamma in (0.0, 0.5, 1.0):
        tw = t * spectral_weights(t, w, gamma)[:, None]
        assert np.isclose(tw.sum(), t.sum(), rtol=1e-3)
        mean = tw.mean(axis=1)
        ratio.append(np.log10(mean[20:40].mean() / mean[400:800].mean()))
    # low/high level ratio in decades: the full tilt, about half of it, about none of it
    assert ratio[0] > 2.0
    assert 0.3 * ratio[0] < ratio[1] < 0.7 * ratio[0]
    assert abs(ratio[2]) < 0.3 * ratio[0]


def test_silent_bands_are_not_boosted_without_bound() -> None:
    t = _tilted()
    t[600:] = 0.0
    g = spectral_weights(t, np.ones(t.shape[1], np.float32), 1.0)
    assert np.all(np.isfinite(g))
    assert g[700] / g[100] < 1e6  # the floor (-50 dB re the loudest band) caps the boost
