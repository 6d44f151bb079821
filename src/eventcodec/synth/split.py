"""Fast decoding of plain events: the excitation's span by FFT, the resonances' free decay in closed form.

An event without a morph or a body block is y = (1 - tonal_mix) x + tonal_mix (x * h), with x the
excitation and h a bank of decaying sinusoids. Once x has ended (sample L: its envelope cut, the fine shift
and the colour filters' ring), x * h is a free decay, sum_p Im(c_p z_p^s), whose amplitudes c_p are the
resonators' state at L (`resonance.resonator_state`). So only the first L samples need FFTs, of size ~2 L
rather than n + L: real music has notes that ring for seconds after a 50 ms burst, where this is several
times faster. Equal to `render.render_dry` up to float rounding (and the colour ring beyond its -60 dB bound).
"""

from __future__ import annotations

import torch

from eventcodec.synth.mix import block_gain
from eventcodec.synth.render import excitation, max_partials, partials
from eventcodec.synth.resonance import damped_sinusoid_bank, resonator_state
from eventcodec.synth.schedule import COLOUR_RING, MAX_SHIFT, colour_ring_samples, fast_fft_length
from eventcodec.types import SAMPLE_RATE


def head_samples(p: dict[str, torch.Tensor], excitation_samples: torch.Tensor, sample_rate: int = SAMPLE_RATE) -> int:
    """L: samples after which a batch's excitations are over (longest cut + both shift bounds + colour ring)."""
    lowest_hz = float(torch.minimum(p["noise_lowpass_hz"], p["noise_highpass_hz"]).min())
    ring = min(colour_ring_samples(lowest_hz, sample_rate), COLOUR_RING)
    return int(excitation_samples.max()) + 2 * MAX_SHIFT + ring


def worth_splitting(n_samples: int, head: int) -> bool:
    """The split pays when the render is much longer than the excitation."""
    return n_samples > 2 * head


def render_dry_split(
    p: dict[str, torch.Tensor],
    seeds: torch.Tensor,
    n_samples: int,
    pre_roll: int,
    excitation_samples: torch.Tensor,
    sample_rate: int = SAMPLE_RATE,
) -> dict[str, torch.Tensor]:
    """`render.render_dry` for a batch without morph or body blocks, no gradients: {"body", "gain"}.

    Args:
        p: physical controls {name: (batch,)}; every `morph_amount` and `body_mix` must be 0.
        seeds: (batch,) int64 noise seeds.
        n_samples: output length n.
        pre_roll: samples of silence kept before the event time.
        excitation_samples: (batch,) int64 excitation cuts (`length.excitation_length`).
        sample_rate: Hz.
    """
    if bool((p["morph_amount"] > 0).any() or (p["body_mix"] > 0).any()):
        raise ValueError("render_dry_split renders events without morph and body blocks only")
    sr, n = sample_rate, n_samples
    head = min(n, head_samples(p, excitation_samples, sr))
    n_fft = fast_fft_length(2 * head)
    n_x = max(1, min(n, int(excitation_samples.max())))
    with torch.no_grad():
        x_spec = excitation(p, seeds, n_x, n_fft, pre_roll, sr, excitation_samples)
        freq, t60, amp = partials(p, p["f0_hz"], p["brightness_hz"], max_partials(p), sr)
        h_spec = torch.fft.rfft(damped_sinusoid_bank(freq, t60, amp, head, sr), n=n_fft)
        tonal = p["tonal_mix"]
        parts = [torch.fft.irfft(x_spec * block_gain(h_spec, tonal), n=n_fft)[:, :head]]
        if n > head:
            c_re, c_im = resonator_state(torch.fft.irfft(x_spec, n=n_fft)[:, :head], freq, t60, amp, sr)
            tail = damped_sinusoid_bank(freq, t60, c_re, n - head, sr, amp_cos=c_im)
            parts.append(tail * tonal.unsqueeze(-1))
        body = torch.cat(parts, dim=-1)
        gain = 10.0 ** (p["amp_db"] / 20.0) / (body.abs().amax(-1) + 1e-30)
        return {"body": body * gain.unsqueeze(-1), "gain": gain}
