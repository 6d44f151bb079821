"""Fast decoding: the excitation's span by FFT, the resonances' free decay in closed form.

Block 1 of an event is y = (1 - tonal_mix) x + tonal_mix (x * h), with x the excitation and h a bank
of decaying sinusoids. Once x has ended (sample L: its envelope cut, the fine shift and the colour
filters' ring), x * h is a free decay, sum_p Im(c_p z_p^s), whose amplitudes c_p are the resonators'
state at L (`resonance.resonator_state`). So only the first L samples need FFTs, of size ~2 L rather
than n + L (or 2 n with a body block): real music has notes that ring for seconds after a 50 ms burst,
where this is several times faster. The morph mixes two such rings in time; the body block, a single
two-pole resonance, runs as its recursive filter. Equal to `render.render_dry` up to float rounding
(and the colour ring beyond its -60 dB bound); no gradients.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from eventcodec.synth.mix import block_gain
from eventcodec.synth.render import excitation, max_partials, morph_weight, partials, peak, render_dry, ring_samples
from eventcodec.synth.resonance import (
    LN_1000,
    block_powers,
    damped_sinusoid_bank,
    resonator_state,
    unit_energy_gain,
)
from eventcodec.synth.schedule import excitation_span, fast_fft_length
from eventcodec.types import SAMPLE_RATE

TAIL_FLOOR = 1e-6  # -120 dB: a partial this far below its event's strongest is left out of the free decay


def head_samples(p: dict[str, torch.Tensor], excitation_samples: torch.Tensor, sample_rate: int = SAMPLE_RATE) -> int:
    """L: samples after which a batch's excitations are over (longest cut + both shift bounds + colour ring)."""
    return excitation_span(int(excitation_samples.max()), ring_samples(p, sample_rate))


def worth_splitting(n_samples: int, head: int, body: bool = False) -> bool:
    """The split pays when the render outlasts the excitation: its FFTs span 2 L instead of n + L samples
    (2 n with a body block, which the split runs as a recursive filter: then it always pays). Also against
    `wrap_tail`'s shorter FFTs: on one thread 3 n > 8 L would be the break-even, but with two workers the
    FFT path's larger buffers scale worse (measured: 5-20% slower decodes), so the rule stays."""
    return body or 2 * n_samples > 3 * head


def _ring(
    p: dict[str, torch.Tensor], f0: torch.Tensor, bright: torch.Tensor, x_spec: torch.Tensor, x_head: torch.Tensor,
    n: int, sr: int,
) -> torch.Tensor:
    """One resonance family's block output (batch, n): the head by FFT, then the free decay."""
    head, n_fft = x_head.shape[-1], 2 * (x_spec.shape[-1] - 1)
    freq, t60, amp = partials(p, f0, bright, max_partials(p), sr)
    powers = block_powers(freq, t60, max(head + 1, n - head), sr)  # one set for the head, the state and the tail
    h_spec = torch.fft.rfft(damped_sinusoid_bank(freq, t60, amp, head, sr, powers=powers), n=n_fft)
    tonal = p["tonal_mix"]
    n_tail = -(-max(0, n - head) // powers.block) * powers.block
    out = x_head.new_empty(x_head.shape[0], head + n_tail)  # the tail's bank is written in place
    out[:, :head] = torch.fft.irfft(x_spec * block_gain(h_spec, tonal), n=n_fft)[:, :head]
    if n > head:
        c_re, c_im = resonator_state(x_head, freq, t60, amp, sr, powers=powers)
        col = tonal.unsqueeze(-1)
        damped_sinusoid_bank(freq, t60, c_re * col, n - head, sr, amp_cos=c_im * col, powers=powers,
                             out=out[:, head:], alive_samples=alive_samples(c_re, c_im, t60, sr))
    return out[:, :n]


def alive_samples(c_re: torch.Tensor, c_im: torch.Tensor, t60_s: torch.Tensor, sr: int) -> np.ndarray:
    """Samples of free decay before each partial is TAIL_FLOOR below its event's strongest, at most over the
    batch: (n_partials,) for `damped_sinusoid_bank`, from the state amplitudes (batch, n_partials)."""
    power = c_re * c_re + c_im * c_im
    ratio = power / (power.amax(-1, keepdim=True) * TAIL_FLOOR**2 + 1e-38)
    # |c| r^s falls by 60 dB every T60: s = T60 sr log(|c| / floor) / ln 1000
    s = (t60_s * (sr * 0.5 / LN_1000)) * torch.log(ratio.clamp_(min=1.0))
    return np.ceil(s.amax(0).double().numpy()).astype(np.int64)


def _body(y1: torch.Tensor, p: dict[str, torch.Tensor], sr: int) -> torch.Tensor:
    """Block 2, (1 - body_mix) y1 + body_mix (y1 * h_body), with h_body as its two-pole recursive filter."""
    import scipy.signal  # here: importing it costs ~0.7 s, and encoded music rarely has a body block

    mix = p["body_mix"].detach().cpu().numpy().astype(np.float64)
    t60 = p["body_decay_s"].detach().cpu().numpy().astype(np.float64)
    ones = torch.ones(len(t60), 1, dtype=torch.float64)
    gain = unit_energy_gain(torch.from_numpy(t60).unsqueeze(-1), ones, sr).numpy()  # numpy: no op per event below
    r = np.exp(-LN_1000 / (t60 * sr))
    theta = 2.0 * math.pi * p["body_hz"].detach().cpu().numpy().astype(np.float64) / sr
    y = y1.detach().cpu().numpy().astype(np.float64)
    out = y.copy()
    # h[k] = g r^k sin(theta k) is the filter g r sin(theta) z^-1 / (1 - 2 r cos(theta) z^-1 + r^2 z^-2)
    for i in np.flatnonzero(mix > 0):
        b = [0.0, gain[i] * r[i] * math.sin(theta[i])]
        a = [1.0, -2.0 * r[i] * math.cos(theta[i]), r[i] * r[i]]
        out[i] = (1.0 - mix[i]) * y[i] + mix[i] * scipy.signal.lfilter(b, a, y[i])
    return torch.from_numpy(out).to(y1.dtype)


def render_dry_split(
    p: dict[str, torch.Tensor],
    seeds: torch.Tensor,
    n_samples: int,
    pre_roll: int,
    excitation_samples: torch.Tensor,
    sample_rate: int = SAMPLE_RATE,
) -> dict[str, torch.Tensor]:
    """`render.render_dry` without gradients, for excitations cut at `excitation_samples`: {"body", "gain"}.

    Args:
        p: physical controls {name: (batch,)}.
        seeds: (batch,) int64 noise seeds.
        n_samples: output length n.
        pre_roll: samples of silence kept before the event time.
        excitation_samples: (batch,) int64 excitation cuts (`length.excitation_length`).
        sample_rate: Hz.
    """
    head = head_samples(p, excitation_samples, sample_rate)
    return _render_split(p, seeds, n_samples, pre_roll, excitation_samples, head, sample_rate)


def render_dry_fast(
    p: dict[str, torch.Tensor],
    seeds: torch.Tensor,
    n_samples: int,
    pre_roll: int,
    excitation_samples: torch.Tensor,
    sample_rate: int = SAMPLE_RATE,
    wrap_tail: bool = False,
) -> dict[str, torch.Tensor]:
    """`render.render_dry` without gradients, split where `worth_splitting` says it pays: {"body", "gain"}.

    `wrap_tail` as for `render_dry` (the FFT path only; the split is exact either way).
    """
    head = head_samples(p, excitation_samples, sample_rate)
    if worth_splitting(n_samples, head, bool((p["body_mix"] > 0).any())):
        return _render_split(p, seeds, n_samples, pre_roll, excitation_samples, head, sample_rate)
    with torch.no_grad():
        return render_dry(p, seeds, n_samples, pre_roll=pre_roll, sample_rate=sample_rate,
                          excitation_samples=excitation_samples, wrap_tail=wrap_tail)


def _render_split(
    p: dict[str, torch.Tensor], seeds: torch.Tensor, n: int, pre_roll: int, excitation_samples: torch.Tensor,
    head: int, sr: int,
) -> dict[str, torch.Tensor]:
    head = min(n, head)
    n_fft = fast_fft_length(2 * head)
    n_x = max(1, min(n, int(excitation_samples.max())))
    with torch.no_grad():
        x_spec = excitation(p, seeds, n_x, n_fft, pre_roll, sr, excitation_samples)
        x_head = torch.fft.irfft(x_spec, n=n_fft)[:, :head]
        y1 = _ring(p, p["f0_hz"], p["brightness_hz"], x_spec, x_head, n, sr)
        if bool((p["morph_amount"] > 0).any()):
            y_b = _ring(p, p["f0_hz"] * p["morph_f0_ratio"], p["morph_brightness_hz"], x_spec, x_head, n, sr)
            m = morph_weight(p, n, pre_roll, sr)
            y1 = y1.lerp_(y_b, m)
        if bool((p["body_mix"] > 0).any()):
            y1 = _body(y1, p, sr)
        gain = 10.0 ** (p["amp_db"] / 20.0) / (peak(y1) + 1e-30)
        return {"body": y1.mul_(gain.unsqueeze(-1)), "gain": gain}
