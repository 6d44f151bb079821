import numpy as np
import pytest
import torch

from eventcodec.controls import INDEX, NAMES, default_unit_vector
from eventcodec.errors import ControlError
from eventcodec.synth import event_seeds, render, render_stages, validate_controls
from eventcodec.synth.length import onset_lead
from eventcodec.synth.render import STAGES


def _vectors(n, seed=0, lo=0.0, hi=1.0):
    rng = np.random.default_rng(seed)
    v = rng.uniform(lo, hi, (n, 32)).astype(np.float32)
    for name, val in (("decay_s", 0.4), ("hold_s", 0.3), ("release_s", 0.3), ("room_wet", 0.0)):
        v[:, INDEX[name]] = np.minimum(v[:, INDEX[name]], val)
    return v


def _with(**kw):
    v = default_unit_vector()
    for k, x in kw.items():
        v[INDEX[k]] = x
    return v


def test_shapes_follow_the_leading_dimensions():
    v = torch.from_numpy(_vectors(6)).reshape(2, 3, 32)
    assert render(v, 500).shape == (2, 3, 500)
    stages = render_stages(v, 500)
    assert set(stages) == {"impulse", "resonance", "body", "room", "output"}
    assert all(s.shape == (2, 3, 500) for s in stages.values())


def test_render_is_bit_exact_across_runs_and_batches():
    v = torch.from_numpy(_vectors(5, seed=1))
    a, b = render(v, 3000), render(v, 3000)
    assert torch.equal(a, b)
    alone = render(v[2:3], 3000)
    assert torch.allclose(alone[0], a[2], atol=1e-7)  # an event does not depend on its batch mates


def test_seed_control_changes_only_the_noise_realisation():
    v = np.stack([_with(seed=0.1), _with(seed=0.9), _with(seed=0.1)])
    y = render(torch.from_numpy(v), 4000).numpy()
    assert np.array_equal(y[0], y[2])
    assert not np.allclose(y[0], y[1])
    assert abs(np.std(y[0]) / np.std(y[1]) - 1) < 0.5


def test_amp_db_is_the_dry_peak_and_output_is_linear_in_it():
    v = np.stack([_with(amp_db=1.0), _with(amp_db=0.5), _with(amp_db=0.5, shift_samples=0.3)])
    y = render(torch.from_numpy(v), 10_000).numpy()
    assert np.abs(y[0]).max() == pytest.approx(1.0, rel=1e-5)  # amp_db = 0 dB
    assert np.abs(y[1]).max() == pytest.approx(10 ** (-45 / 20), rel=1e-5)
    np.testing.assert_allclose(y[1], y[0] * 10 ** (-45 / 20), atol=1e-7)
    assert np.abs(y[2]).max() <= 10 ** (-45 / 20) * (1 + 1e-5)  # a negative shift may move the peak before 0


def test_stages_compose_into_the_output():
    v = torch.from_numpy(np.stack([_with(room_wet=0.4, room_id=5 / 7, body_mix=0.5, tonal_mix=0.6)]))
    s = render_stages(v, 8000)
    torch.testing.assert_close(s["output"], 0.6 * s["body"] + 0.4 * s["room"], atol=1e-6, rtol=0)
    torch.testing.assert_close(s["output"], render(v, 8000), atol=1e-6, rtol=0)
    assert s["body"].abs().max() == pytest.approx(10 ** (-30 / 20), rel=1e-5)



def test_stages_output_is_render_for_negative_shifts_with_and_without_rooms():
    v = _vectors(6, seed=4)
    v[:, INDEX["shift_samples"]] = [0.0, 0.05, 0.25, 0.5, 0.61, 1.0]  # -128, -115.2, -64, 0, +28.2, +128 samples
    wet = torch.from_numpy(v.copy())
    wet[:, INDEX["room_wet"]] = torch.linspace(0.1, 0.7, 6)
    for batch in (torch.from_numpy(v), wet):  # render takes a dry shortcut when no event has a room
        torch.testing.assert_close(render_stages(batch, 3000)["output"], render(batch, 3000), atol=1e-6, rtol=0)


def test_lead_samples_start_the_stages_at_a_negative_shifts_onset():
    v = torch.from_numpy(np.stack([_with(click_mix=1.0, tonal_mix=0.0, shift_samples=28 / 256)]))  # -100 samples
    assert onset_lead(v.numpy()).tolist() == [100]
    from_time, from_onset = render_stages(v, 2000), render_stages(v, 2000, lead_samples=100)
    for name in STAGES:
        torch.testing.assert_close(from_onset[name][..., 100:], from_time[name][..., :1900], atol=1e-7, rtol=0)
    y = from_onset["output"][0].abs()
    assert y[:100].max() == y.max()  # the click is before the event time: the default crop loses it
    with pytest.raises(ControlError, match="lead_samples"):
        render_stages(v, 100, lead_samples=129)

def test_a_render_does_not_depend_on_its_length():
    v = torch.from_numpy(np.stack([_with(attack_s=0.1, room_wet=0.5, room_id=2 / 7)]))
    long, short = render(v, 20_000), render(v, 6_000)
    torch.testing.assert_close(long[..., :6000], short, atol=2e-6, rtol=0)


def test_short_windows_do_not_wrap_around_even_for_sustained_sounds():
    loud = dict(hold_s=1.0, sustain_db=1.0, decay_s=1.0, tonal_mix=1.0, f0_hz=0.1, body_decay_s=1.0, body_hz=0.1)
    v = torch.from_numpy(np.stack([_with(**loud, body_mix=0.0), _with(**loud, body_mix=1.0)])).double()
    for n in (500, 3000):
        short, long = render(v, n), render(v, 4 * n)[..., :n]
        scale = (short * long).sum(-1, keepdim=True) / (long * long).sum(-1, keepdim=True)  # peaks differ
        assert ((short - scale * long).abs().max(-1).values / short.abs().max(-1).values).max() < 1e-3


def test_fine_shift_moves_the_event_in_time():
    base = _with(click_mix=1.0, tonal_mix=0.0)
    v = np.stack([base, base, base])
    v[:, INDEX["shift_samples"]] = [0.5, (128 + 10) / 256, (128 - 7) / 256]  # 0, +10, -7 samples
    y = render(torch.from_numpy(v), 3000).numpy()
    np.testing.assert_allclose(y[1, 10:], y[0, :-10], atol=1e-6)
    np.testing.assert_allclose(y[2, :-7], y[0, 7:], atol=1e-6)


def test_invalid_controls_are_rejected_with_a_clear_error():
    good = default_unit_vector()[None]
    for bad_value, match in ((np.nan, "NaN"), (1.5, "outside"), (-0.01, "outside")):
        v = good.copy()
        v[0, INDEX["f0_hz"]] = bad_value
        with pytest.raises(ControlError, match="f0_hz"):
            render(torch.from_numpy(v), 100)
        with pytest.raises(ControlError, match=match):
            validate_controls(v)
    with pytest.raises(ControlError, match="shape"):
        validate_controls(np.zeros((3, 31)))
    validate_controls(np.clip(good + 5e-5, 0, 1.00005))  # float round-off is tolerated


def test_random_controls_never_render_loud_garbage():
    v = _vectors(48, seed=3)
    v[:, INDEX["room_wet"]] = np.linspace(0, 1, 48)
    v[:, INDEX["amp_db"]] = 1.0
    with torch.no_grad():
        y = render(torch.from_numpy(v), 22050).numpy()
    assert np.isfinite(y).all()
    peak = np.abs(y).max(axis=-1)
    assert peak.max() < 4.0  # 0 dB dry peak; the room adds a few dB at most (+3.0 dB max over 1000 random events)


def test_event_seeds_depend_on_time_and_quantized_seed_only():
    v = np.stack([_with(seed=0.5), _with(seed=0.5, f0_hz=0.9), _with(seed=0.5 + 1e-7), _with(seed=0.6)])
    t = np.array([100, 100, 100, 100])
    s = event_seeds(t, v)
    assert s.dtype == np.int64 and (s >= 0).all()
    assert s[0] == s[1] == s[2] and s[0] != s[3]
    assert event_seeds(t + 1, v)[0] != s[0]
    assert event_seeds(np.array([123456789]), v[:1])[0] == event_seeds(np.array([123456789]), v[:1])[0]


def test_gradients_match_finite_differences_for_every_continuous_control():
    rng = np.random.default_rng(1)
    u = torch.from_numpy(rng.uniform(0.2, 0.8, (2, 32)))
    u[:, INDEX["decay_s"]] = 0.3
    n = 1024
    w = torch.from_numpy(rng.standard_normal((2, n)))
    seeds = torch.tensor([3, 4])

    def loss(x):
        return (render(x, n, seeds) * w).sum()

    x = u.clone().requires_grad_(True)
    grad = torch.autograd.grad(loss(x), x)[0].sum(0)
    eps = 1e-6
    continuous = [c for c in NAMES if c not in ("n_partials", "room_id", "seed")]
    assert len(continuous) == 29
    with torch.no_grad():
        for name in continuous:
            d = torch.zeros_like(u)
            d[:, INDEX[name]] = eps
            fd = (loss(u + d) - loss(u - d)) / (2 * eps)
            assert grad[INDEX[name]].item() == pytest.approx(fd.item(), rel=1e-3, abs=1e-7), name


def test_gradients_are_finite_at_the_bounds():
    for value in (0.0, 1.0):
        u = torch.full((1, 32), value, dtype=torch.float64)
        u[0, INDEX["hold_s"]] = 0.2  # keep the render short
        u.requires_grad_(True)
        render(u, 512).square().sum().backward()
        assert torch.isfinite(u.grad).all(), value
