"""The bit budget: what the next hop may spend, so the whole file lands within the target."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.controls import INDEX
from eventcodec.encode.abs.budget import Budget, container_bits, evc_bits, trim_to_bitrate
from eventcodec.encode.abs.settings import AbsSettings
from eventcodec.encode.abs.target import TEXTURE_FLOOR_KBPS, check_target, kbps_of, minimum_kbps, spend_to_target
from eventcodec.errors import EventCodecError
from eventcodec.texture.grid import MASK_BINS, N_BANDS, Texture, n_frames_for, n_segments_for
from eventcodec.types import SAMPLE_RATE, EventSet

HOP = 2**16


def test_container_bits_are_the_size_of_an_empty_file() -> None:
    n = 20 * SAMPLE_RATE
    assert container_bits(n) == 8 * len(EventSet.empty(n).to_bytes())
    assert container_bits(10 * n) > container_bits(n) > 0  # chunk headers and the seek index grow with length


def test_the_container_comes_out_of_the_target() -> None:
    """With 100 bits per event, a hop's allowance is (target x elapsed - container) / 100."""
    settings = AbsSettings(max_events_per_s=1000.0, bitrate_kbps=3.0)
    per_event = 100.0

    def measure(times: np.ndarray, vectors: np.ndarray, n_samples: int) -> float:
        return per_event * len(times)

    free = Budget(settings, measure=measure, container=lambda n: 0.0)
    real = Budget(settings, measure=measure)
    hop_s = HOP / SAMPLE_RATE
    assert free.allowance(HOP) == int(3000.0 * hop_s / 110.0)  # the guess, before any event is measured
    total_events = 0
    for _ in range(20):
        n = real.allowance(HOP)
        times = np.arange(n, dtype=np.int64) * 10
        real.spend(HOP, times, np.zeros((n, 32), np.float32))
        free.spend(HOP, times, np.zeros((n, 32), np.float32))
        total_events += n
    seconds = 20 * hop_s
    spent = total_events * per_event + container_bits(20 * HOP)
    assert spent <= 3000.0 * seconds  # never over the target, container included
    assert spent >= 3000.0 * seconds - 2 * per_event  # and not far under it


def test_measured_event_bits_exclude_the_container() -> None:
    times = np.array([0, 1000, 5000], np.int64)
    vectors = np.full((3, 32), 0.5, np.float32)
    bits = evc_bits(times, vectors, 6000)
    assert bits is not None and 0 < bits < 8 * len(EventSet(times, vectors, n_samples=6000).to_bytes())


def _textured_set(n_events: int, seconds: float, seed: int = 0) -> EventSet:
    rng = np.random.default_rng(seed)
    n = int(seconds * SAMPLE_RATE)
    n_frames = n_frames_for(n)
    codes = np.clip(np.cumsum(rng.integers(-1, 2, (n_frames, N_BANDS)), axis=0) + 12, 1, 40)
    mask = (rng.random((n_segments_for(n_frames), MASK_BINS)) < 0.3).astype(np.uint8)
    vectors = rng.random((n_events, 32)).astype(np.float32)
    times = np.sort(rng.integers(0, n, n_events))
    return EventSet(times, vectors, n_samples=n, texture=Texture(codes, mask))


def test_trimming_drops_the_quietest_events_until_the_file_fits() -> None:
    es = _textured_set(300, 10.0)
    kbps = 0.8 * len(es.to_bytes()) * 8 / es.duration_s / 1000
    trimmed = trim_to_bitrate(es, kbps)
    assert len(trimmed.to_bytes()) * 8 / es.duration_s / 1000 <= kbps
    assert 0 < len(trimmed) < len(es) and trimmed.texture == es.texture
    amp = INDEX["amp_db"]
    assert trimmed.vectors[:, amp].min() >= np.sort(es.vectors[:, amp])[len(es) - len(trimmed) - 1]
    assert trim_to_bitrate(es, 2 * kbps) is es  # fits already: untouched


def test_below_the_texture_s_rate_the_mask_goes_and_the_encoder_says_so() -> None:
    es = _textured_set(50, 10.0)
    assert es.texture is not None
    levels_only = es.replace(times=es.times[:0], vectors=es.vectors[:0], texture=Texture(es.texture.codes))
    kbps = 1.05 * len(levels_only.to_bytes()) * 8 / es.duration_s / 1000
    trimmed = trim_to_bitrate(es, kbps)
    with pytest.warns(UserWarning, match="no events fit"):
        assert spend_to_target(trimmed, kbps, "fast", 12.0) is trimmed
    assert len(trimmed) == 0 and trimmed.texture is not None
    assert len(trimmed.to_bytes()) * 8 / es.duration_s / 1000 <= kbps
    assert 0 < trimmed.texture.mask.sum() < es.texture.mask.sum()  # some rows kept, the quietest cleared
    np.testing.assert_array_equal(trimmed.texture.codes, es.texture.codes)


def test_a_target_under_the_texture_s_levels_is_an_error_not_an_overshoot() -> None:
    es = _textured_set(50, 10.0)
    assert es.texture is not None
    levels_only = es.replace(times=es.times[:0], vectors=es.vectors[:0], texture=Texture(es.texture.codes))
    kbps = 0.8 * len(levels_only.to_bytes()) * 8 / es.duration_s / 1000
    with pytest.raises(EventCodecError, match="noise texture alone takes"):
        trim_to_bitrate(es, kbps)


def test_targets_under_the_format_s_floor_are_refused_naming_it() -> None:
    with pytest.raises(EventCodecError, match=r"at least 0\.\d\d kbps"):
        check_target(0.2, 10 * SAMPLE_RATE, texture=True)
    check_target(0.3, 10 * SAMPLE_RATE, texture=False)  # events only: the container alone is ~0.2 kbps at 10 s
    assert minimum_kbps(10 * SAMPLE_RATE, True) - minimum_kbps(10 * SAMPLE_RATE, False) == TEXTURE_FLOOR_KBPS


def test_unspent_bits_go_to_a_finer_grid_within_the_target() -> None:
    es = _textured_set(50, 10.0).replace(texture=None)
    base = kbps_of(es)
    spent = spend_to_target(es, 1.3 * base, "default", 16.0)
    assert spent.quantizer is not None and spent.quantizer.bits[INDEX["amp_db"]] > 8
    assert spent.quantizer.bits[INDEX["seed"]] == 8  # a finer seed would hash to other noise
    assert 0.9 * 1.3 * base <= kbps_of(spent) <= 1.3 * base
    with pytest.warns(UserWarning, match="of the .* kbps asked"):
        spend_to_target(es, 20 * base, "default", 16.0)  # no grid reaches it: the reason is said
