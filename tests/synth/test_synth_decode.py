import numpy as np
import pytest
import torch

from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.errors import ControlError, EventCodecError
from eventcodec.synth import audible_length, decode, event_seeds, explain, render
from eventcodec.synth.decode import HOP
from eventcodec.types import EventSet


def _events(n_events, n_samples, seed=0, min_shift=0.0):
    rng = np.random.default_rng(seed)
    v = np.tile(default_unit_vector(), (n_events, 1))
    v[:, INDEX["f0_hz"]] = rng.uniform(0.2, 0.6, n_events)
    v[:, INDEX["room_wet"]] = rng.uniform(0, 0.6, n_events)
    v[:, INDEX["room_id"]] = rng.integers(0, 8, n_events) / 7
    v[:, INDEX["shift_samples"]] = rng.uniform(min_shift, 1, n_events)
    v[:, INDEX["morph_amount"]] = rng.uniform(0, 1, n_events) * (rng.uniform(size=n_events) < 0.3)
    times = rng.integers(0, n_samples, n_events)
    return EventSet(times, v, n_samples=n_samples)


def test_decode_is_the_overlap_add_of_renders_across_chunk_seams():
    ev = _events(12, 3 * HOP, seed=1, min_shift=0.5)  # shifts >= 0: nothing before the event time
    ev = ev.replace(times=np.concatenate([ev.times[:-2], [HOP - 300, 2 * HOP - 5]]))  # tails cross seams
    y = decode(ev)
    assert y.dtype == np.float32 and y.shape == (3 * HOP,)
    lengths = audible_length(ev.vectors)
    ref = np.zeros(3 * HOP + int(lengths.max()))
    seeds = torch.from_numpy(event_seeds(ev.times, ev.vectors))
    r = render(torch.from_numpy(ev.vectors), int(lengths.max()), seeds).numpy()
    for t, x in zip(ev.times, r, strict=True):
        ref[t : t + len(x)] += x
    # the only difference: decode drops each event's tail once it is 60 dB below the event's peak
    assert np.abs(y - ref[: 3 * HOP]).max() < 1e-3 * np.abs(y).max()


def test_negative_shifts_keep_the_onset_before_the_event_time():
    v = default_unit_vector()[None].copy()
    v[0, INDEX["shift_samples"]] = (128 - 100) / 256
    y = decode(EventSet(np.array([1000]), v, n_samples=3000))
    onset = np.abs(y[895:1000]).max()
    assert onset > 0.2 * np.abs(y).max() and np.abs(y[:890]).max() < 1e-4 * onset


def test_decode_is_deterministic_and_time_ranges_match_the_full_decode():
    ev = _events(20, 2 * HOP + 5000, seed=2)
    full = decode(ev)
    assert np.array_equal(full, decode(ev))
    part = decode(ev, start_sample=HOP - 1234, n_samples=20_000)
    np.testing.assert_allclose(part, full[HOP - 1234 : HOP - 1234 + 20_000], atol=1e-6)


def test_decode_edge_cases():
    assert decode(EventSet.empty(1000)).shape == (1000,)
    assert not decode(EventSet.empty(1000)).any()
    assert decode(_events(3, 5000), n_samples=0).shape == (0,)
    with pytest.raises(EventCodecError, match="22050 Hz"):
        decode(_events(3, 5000).replace(sample_rate=44100))
    with pytest.raises(EventCodecError, match="start_sample"):
        decode(_events(3, 5000), start_sample=-1)
    latent = EventSet(np.array([0]), np.zeros((1, 32)), n_samples=100, space="latent")
    try:
        import eventcodec.model  # noqa: F401
    except ImportError:
        with pytest.raises(EventCodecError, match="model package"):
            decode(latent)


def test_decode_rejects_out_of_range_vectors():
    ev = _events(2, 5000)
    v = ev.vectors.copy()
    v[1, INDEX["decay_s"]] = 3.0
    with pytest.raises(ControlError, match="decay_s"):
        decode(ev.replace(vectors=v))


def test_audible_length_bounds_the_event():
    v = np.stack([default_unit_vector()] * 3)
    v[1, INDEX["room_wet"]] = 0.5
    v[1, INDEX["room_id"]] = 1.0
    v[2, INDEX["decay_s"]] = 1.0
    n = audible_length(v)
    assert n.dtype == np.int64 and n[1] > n[0] + 30_000 and n[2] > 20 * 22050
    y = render(torch.from_numpy(v[:2]), int(n.max()) + 5000).numpy()
    for i in range(2):
        tail = np.abs(y[i, n[i] :]).max()
        assert 20 * np.log10(tail / np.abs(y[i]).max()) < -60


def test_explain_returns_every_stage_of_one_event():
    v = default_unit_vector()
    v[INDEX["room_wet"]] = 0.3
    st = explain(v, time_samples=1000)
    assert set(st) == {"impulse", "resonance", "body", "room", "output"}
    n = audible_length(v[None])[0]
    assert all(s.shape == (n,) and s.dtype == np.float32 for s in st.values())
    ev = EventSet(np.array([1000]), v[None], n_samples=1000 + n)
    np.testing.assert_allclose(decode(ev)[1000:], st["output"], atol=2e-3 * np.abs(st["output"]).max())


def test_explain_starts_at_the_onset_of_a_negative_shift():
    v = default_unit_vector()
    v[INDEX["click_mix"]], v[INDEX["shift_samples"]] = 1.0, 28 / 256  # a click 100 samples before the event time
    st = explain(v, time_samples=1000)
    n = audible_length(v[None])[0] + 100
    assert all(s.shape == (n,) for s in st.values())
    ev = EventSet(np.array([1000]), v[None], n_samples=900 + n)
    np.testing.assert_allclose(decode(ev)[900:], st["output"], atol=2e-3 * np.abs(st["output"]).max())
    assert np.abs(st["output"][:100]).max() == np.abs(st["output"]).max()


def test_random_controls_never_decode_into_loud_garbage():
    """Full-range random events through every decode path (split or FFT, morph, body, rooms): finite, bounded."""
    rng = np.random.default_rng(11)
    v = rng.uniform(0.0, 1.0, (24, 32))
    v[:, INDEX["amp_db"]] = 1.0
    v[:, INDEX["decay_s"]] *= 0.7  # rings up to a few seconds: the test stays fast
    times = np.arange(24) * 3 * HOP // 24
    y = decode(EventSet(times, v, n_samples=4 * HOP))
    assert np.isfinite(y).all()
    # 0 dB dry peaks; overlapping events and rooms add a few dB (+3 dB max for one event over 1000 draws)
    assert 0.1 < np.abs(y).max() < 8.0
