"""The split decoding path: the excitation's span by FFT, the free decay of the resonances in closed form."""

import numpy as np
import pytest
import torch

from eventcodec.controls import INDEX, default_unit_vector, to_physical, to_unit
from eventcodec.synth.length import excitation_length
from eventcodec.synth.params import unpack
from eventcodec.synth.render import render_dry
from eventcodec.synth.resonance import (
    _prefix_segments,
    block_powers,
    damped_sinusoid_bank,
    damped_sinusoid_reference,
    resonator_state,
)
from eventcodec.synth.schedule import PRE_ROLL, fast_fft_length
from eventcodec.synth.split import TAIL_FLOOR, alive_samples, head_samples, render_dry_split, worth_splitting

SR = 22050


def _bank():
    f = torch.tensor([[440.0, 1000.0, 5000.0, 50.0], [27.5, 3000.0, 10900.0, 200.0]], dtype=torch.float64)
    t60 = torch.tensor([[0.5, 2.0, 0.05, 20.0], [0.01, 1.0, 0.3, 5.0]], dtype=torch.float64)
    a = torch.tensor([[1.0, 0.5, 0.3, 0.2], [0.7, 1.0, 0.1, 0.4]], dtype=torch.float64)
    return f, t60, a


def test_cosine_amplitudes_give_each_partial_its_phase():
    f, t60, a = _bank()
    phase = torch.tensor([[0.3, -1.2, 2.0, 0.0], [1.0, 0.5, -0.4, 3.0]], dtype=torch.float64)
    h = damped_sinusoid_bank(f, t60, a * torch.cos(phase), 20_001, SR, amp_cos=a * torch.sin(phase))
    n = torch.arange(20_001, dtype=torch.float64)
    r = torch.exp(-np.log(1000.0) / (t60 * SR)).unsqueeze(-1)
    ref = (a.unsqueeze(-1) * r**n * torch.sin(2 * np.pi * f.unsqueeze(-1) / SR * n + phase.unsqueeze(-1))).sum(-2)
    assert (h - ref).abs().max() < 1e-10


def test_resonator_state_continues_the_convolution_after_the_input_ends():
    f, t60, a = _bank()
    x = torch.from_numpy(np.random.default_rng(0).standard_normal((2, 1500)))
    n = 9000
    h = damped_sinusoid_reference(f, t60, a, n, SR).numpy()
    full = np.stack([np.convolve(x[b].numpy(), h[b])[:n] for b in range(2)])
    c_re, c_im = resonator_state(x, f, t60, a, SR)
    tail = damped_sinusoid_bank(f, t60, c_re, n - 1500, SR, amp_cos=c_im).numpy()
    assert np.abs(tail - full[:, 1500:]).max() < 1e-10 * np.abs(full).max()


def test_the_free_decay_leaves_out_only_partials_that_have_died_away():
    f, t60, a = _bank()
    phase = torch.tensor([[0.3, -1.2, 2.0, 0.0], [1.0, 0.5, -0.4, 3.0]], dtype=torch.float64)
    c_re, c_im = a * torch.cos(phase), a * torch.sin(phase)
    n = 3 * SR
    alive = alive_samples(c_re, c_im, t60, SR)
    # partial 3 rings 20 s: it stays; partial 2 is at most 20 dB down at T60 0.3 s: 100 dB more take 0.5 s
    assert alive[3] > n and abs(alive[2] - 0.3 * 100 / 60 * SR) <= 1
    full = damped_sinusoid_bank(f, t60, c_re, n, SR, amp_cos=c_im)
    pruned = damped_sinusoid_bank(f, t60, c_re, n, SR, amp_cos=c_im, alive_samples=alive)
    assert (pruned - full).abs().max() < 4 * TAIL_FLOOR * a.max()
    short = damped_sinusoid_bank(f, t60, c_re, n, SR, amp_cos=c_im, alive_samples=np.array([0, 0, 0, 100]))
    assert (short[:, 512:] - full[:, 512:]).abs().max() > 0.1  # the pruning really drops what it is told to


def test_prefix_segments_cover_every_block_with_the_partials_it_needs():
    rng = np.random.default_rng(0)
    for _ in range(50):
        n_partials, block, n_blocks = int(rng.integers(1, 40)), 64, int(rng.integers(1, 60))
        alive = rng.integers(0, block * n_blocks * 2, n_partials) * (rng.uniform(size=n_partials) < 0.7)
        runs = _prefix_segments(alive, block, n_blocks, n_partials)
        assert runs[0][0] == 0 and runs[-1][1] == n_blocks and len(runs) <= 2 + np.log2(n_partials)
        for (j0, j1, k), nxt in zip(runs, [*runs[1:], (n_blocks, n_blocks, 0)], strict=True):
            assert j1 == nxt[0] > j0 and k >= nxt[2]
            needed = [p for p in range(n_partials) if alive[p] > j0 * block]
            assert k >= (max(needed) + 1 if needed else 0)


def _events(n: int, seed: int, morph: bool, body: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    v = rng.uniform(0.0, 1.0, (n, 32))
    v[:, INDEX["morph_amount"]] *= morph
    v[:, INDEX["body_mix"]] *= body
    for name in ("attack_s", "hold_s", "release_s", "body_decay_s"):
        v[:, INDEX[name]] *= 0.3
    return v


@pytest.mark.parametrize("morph,body", [(False, False), (True, False), (False, True), (True, True)])
@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-7), (torch.float32, 5e-5)])
def test_split_render_equals_the_fft_render(morph: bool, body: bool, dtype: torch.dtype, tol: float) -> None:
    v = _events(10, seed=1, morph=morph, body=body)
    p = unpack(torch.from_numpy(v).to(dtype))
    seeds = torch.arange(10, dtype=torch.int64) * 7919
    n = 30_000
    cuts = torch.from_numpy(np.minimum(excitation_length(v), n))
    assert worth_splitting(n, head_samples(p, cuts))
    with torch.no_grad():
        ref = render_dry(p, seeds, n, pre_roll=PRE_ROLL, excitation_samples=cuts)
        out = render_dry_split(p, seeds, n, PRE_ROLL, cuts)
    err = (out["body"] - ref["body"]).abs().amax(-1) / ref["body"].abs().amax(-1)
    assert float(err.max()) < tol
    torch.testing.assert_close(out["gain"], ref["gain"], rtol=tol, atol=0)


def test_split_render_of_body_events_shorter_than_their_excitation():
    """Body batches always take the split path (the FFT path would span 2 n): renders shorter than L too."""
    v = _events(6, seed=3, morph=True, body=True)
    p = unpack(torch.from_numpy(v))
    seeds = torch.arange(6, dtype=torch.int64)
    n = 2000
    cuts = torch.from_numpy(np.minimum(excitation_length(v), n))
    assert n < head_samples(p, cuts) and worth_splitting(n, head_samples(p, cuts), body=True)
    with torch.no_grad():
        ref = render_dry(p, seeds, n, pre_roll=PRE_ROLL, excitation_samples=cuts)["body"]
        out = render_dry_split(p, seeds, n, PRE_ROLL, cuts)["body"]
    assert float(((out - ref).abs().amax(-1) / ref.abs().amax(-1)).max()) < 1e-7


def test_shared_block_powers_give_the_same_bank_and_state():
    f, t60, a = _bank()
    powers = block_powers(f, t60, 50_000, SR)  # sized for the longest use, block chosen for it
    for length in (700, 20_000):
        np.testing.assert_allclose(damped_sinusoid_bank(f, t60, a, length, SR, powers=powers).numpy(),
                                   damped_sinusoid_bank(f, t60, a, length, SR).numpy(), atol=1e-10)
    x = torch.from_numpy(np.random.default_rng(5).standard_normal((2, 900)))
    for own, shared in zip(resonator_state(x, f, t60, a, SR), resonator_state(x, f, t60, a, SR, powers=powers),
                           strict=True):
        np.testing.assert_allclose(shared.numpy(), own.numpy(), rtol=1e-9, atol=1e-9)


def test_float32_pole_powers_stay_accurate_over_a_long_ring():
    """Every power z^n (n < 400k samples, ~18 s) within 1e-5 of float64 exp/cos/sin, in float32."""
    f, t60, _ = _bank()
    n = 400_000
    f32, t32 = f.float(), t60.float()
    p32, p64 = block_powers(f32, t32, n, SR), block_powers(f32.double(), t32.double(), n, SR)
    for got, ref in zip(p32, p64, strict=True):
        assert got.dtype in (torch.float32, torch.complex64)
        np.testing.assert_allclose(got.numpy().astype(ref.numpy().dtype), ref.numpy(), atol=1e-5)
    # and the float64 powers are the closed form itself
    n_idx = torch.arange(p64.block, dtype=torch.float64)
    z_mag = torch.exp(-np.log(1000.0) / (t32.double() * SR)).unsqueeze(-1) ** n_idx
    phase = (2 * np.pi / SR) * f32.double().unsqueeze(-1) * n_idx
    np.testing.assert_allclose(p64.inner_re.numpy(), (z_mag * torch.cos(phase)).numpy(), atol=1e-12)
    np.testing.assert_allclose(p64.inner_im.numpy(), (z_mag * torch.sin(phase)).numpy(), atol=1e-12)


def test_wrapping_the_sub_audible_tail_stays_60_db_down():
    """`wrap_tail` (decode's FFT sizes) against the exact render, random events rendered for their audible length."""
    from eventcodec.synth.length import audible_length
    from eventcodec.synth.seeds import event_seeds

    rng = np.random.default_rng(11)
    v = rng.random((60, 32))
    v[:, INDEX["room_wet"]] = 0.0
    v[:, INDEX["body_mix"]] = np.where(rng.random(60) < 0.3, v[:, INDEX["body_mix"]], 0.0)
    # a click moved by a fractional sample: the shift's sinc rings before the onset (and would wrap onto the end)
    phys = to_physical(default_unit_vector())
    for name, value in dict(click_mix=0.5, tonal_mix=0.3, shift_samples=-127.5, decay_s=0.02, hold_s=0.2,
                            release_s=0.003, noise_highpass_hz=2000.0, noise_lowpass_hz=2500.0).items():
        phys[INDEX[name]] = value
    v[0] = to_unit(phys)
    seeds = torch.from_numpy(event_seeds(np.zeros(60, dtype=np.int64), v))
    worst = 0.0
    for i in range(60):
        p = unpack(torch.from_numpy(v[i : i + 1]))
        n = fast_fft_length(int(audible_length(v[i : i + 1])[0]) + PRE_ROLL)  # no FFT slack beyond n
        x_len = torch.from_numpy(excitation_length(v[i : i + 1]))
        with torch.no_grad():
            exact = render_dry(p, seeds[i : i + 1], n, pre_roll=PRE_ROLL, excitation_samples=x_len)["body"]
            wrapped = render_dry(p, seeds[i : i + 1], n, pre_roll=PRE_ROLL, excitation_samples=x_len, wrap_tail=True)
        err = float((exact - wrapped["body"]).abs().max() / exact.abs().max())
        worst = max(worst, err)
    assert worst < 1e-3  # -60 dB re each event's peak (measured: ~-80 dB)
