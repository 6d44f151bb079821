"""Controls -> audio: excitation -> resonance block (A/B morph) -> body block -> fine shift -> level -> room.

All events are rendered from their own time zero, batched, differentiable w.r.t. every continuous
control (`n_partials`, `room_id` and `seed` are discrete).

Level (`amp_db`): the *dry* signal (everything before the room block, fine shift included) is
scaled so its peak |x| over the rendered window (plus PRE_ROLL samples before time 0, where a
negative shift moves the onset) is exactly 10^(amp_db / 20). The whole output is
therefore linear in that gain: render once with `amp_db` = 0 dB (normalised 1.0), and a
least-squares fit alpha = <target, y> / <y, y> gives amp_db = 20 log10(alpha) in closed form.
The room block follows: output = (1 - room_wet) dry + room_wet (dry * IR) with a unit-energy IR,
so with the room the output peak can differ from 10^(amp_db/20) (usually by a few dB at most).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from eventcodec.errors import ControlError
from eventcodec.synth.excitation import colour_response, envelope, excitation_spectrum
from eventcodec.synth.mix import block_gain, morph_mask
from eventcodec.synth.noise import white_noise
from eventcodec.synth.params import unpack
from eventcodec.synth.resonance import (
    damped_sinusoid_bank,
    harmonic_family,
    unit_energy_gain,
)
from eventcodec.synth.room import apply_room, room_index, room_spectra
from eventcodec.synth.rooms import ROOM_NAMES, room_bank
from eventcodec.synth.schedule import PRE_ROLL, colour_ring_samples, fft_size, shift_ramp
from eventcodec.synth.seeds import event_seeds
from eventcodec.synth.validate import validate_controls
from eventcodec.types import SAMPLE_RATE

STAGES = ("impulse", "resonance", "body", "room", "output")
PARTIAL_FLOOR = 1e-6  # partials this far below an event's strongest are not synthesized (without gradients)


def partials(
    p: dict[str, torch.Tensor], f0: torch.Tensor, bright: torch.Tensor, n_max: int, sr: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A resonance block's partials (freq, T60, amplitude at unit energy), each (batch, <= n_max).

    Without gradients, the tail of partials that no event of the batch can hear (< -120 dB) is dropped.
    """
    freq, t60, amp = harmonic_family(
        f0,
        p["n_partials"],
        p["inharmonicity"],
        p["decay_s"],
        p["decay_tilt"],
        bright,
        p["spectral_slope_db_oct"],
        p["odd_even"],
        p["detune_cents"],
        sr,
        max_partials=n_max,
    )
    gain = unit_energy_gain(t60, amp, sr).unsqueeze(-1)
    if not amp.requires_grad:
        audible = (amp > PARTIAL_FLOOR * amp.amax(-1, keepdim=True)).any(0).nonzero()
        keep = int(audible.max()) + 1 if len(audible) else 1
        freq, t60, amp = freq[:, :keep], t60[:, :keep], amp[:, :keep]
    return freq, t60, amp * gain


def _family(
    p: dict[str, torch.Tensor], f0: torch.Tensor, bright: torch.Tensor, n_fft: int, n: int, n_max: int, sr: int
) -> torch.Tensor:
    return torch.fft.rfft(damped_sinusoid_bank(*partials(p, f0, bright, n_max, sr), n, sr), n=n_fft)


def max_partials(p: dict[str, torch.Tensor]) -> int:
    """The widest bank a batch needs: its largest rounded `n_partials`."""
    return max(1, int(torch.round(p["n_partials"]).max().item()))


def peak(x: torch.Tensor) -> torch.Tensor:
    """max |x| over the last axis, (batch,); without gradients as max(max x, -min x), which allocates nothing."""
    if x.requires_grad:
        return x.abs().amax(-1)
    return torch.maximum(x.amax(-1), -x.amin(-1))


def ring_samples(p: dict[str, torch.Tensor], sr: int) -> int:
    """Samples the batch's colour filters ring for, at its lowest cut-off."""
    return colour_ring_samples(float(torch.minimum(p["noise_lowpass_hz"], p["noise_highpass_hz"]).min().detach()), sr)


def morph_weight(p: dict[str, torch.Tensor], n: int, pre_roll: int, sr: int) -> torch.Tensor:
    """Weight of resonance B over the n rendered samples, (batch, n), timed from each event's shifted onset."""
    t = torch.arange(n, dtype=p["amp_db"].dtype, device=p["amp_db"].device) / sr
    shift = p["shift_samples"] + pre_roll
    return morph_mask(t.unsqueeze(0) - (shift / sr).unsqueeze(-1), p["morph_time_s"], p["morph_amount"])


def _colour(freqs: torch.Tensor, lowpass_hz: torch.Tensor, highpass_hz: torch.Tensor, sr: int) -> torch.Tensor:
    """`colour_response` per event (batch, n_bins); without gradients evaluated once per distinct filter pair
    (most events of real music keep the default pair) and gathered."""
    if lowpass_hz.requires_grad or highpass_hz.requires_grad:
        return colour_response(freqs, lowpass_hz, highpass_hz, sample_rate=sr)
    pairs, which = torch.unique(torch.stack([lowpass_hz, highpass_hz], dim=-1), dim=0, return_inverse=True)
    return colour_response(freqs, pairs[:, 0], pairs[:, 1], sample_rate=sr)[which]


def excitation(
    p: dict[str, torch.Tensor],
    seeds: torch.Tensor,
    n_x: int,
    n_fft: int,
    pre_roll: int,
    sr: int,
    excitation_samples: torch.Tensor | None,
) -> torch.Tensor:
    """The excitation's rFFT (batch, n_fft // 2 + 1): enveloped noise + click, coloured and finely shifted."""
    dtype, dev = p["amp_db"].dtype, p["amp_db"].device
    t = torch.arange(n_x, dtype=dtype, device=dev) / sr
    freqs = torch.arange(n_fft // 2 + 1, dtype=dtype, device=dev) * (sr / n_fft)
    shift = p["shift_samples"] + pre_roll
    env = envelope(t, p["attack_s"], p["env_decay_s"], p["sustain_db"], p["hold_s"], p["release_s"],
                   p["tremolo_hz"], p["tremolo_depth"])
    # colour and fine shift share one complex factor: every later stage is shifted already
    colour = _colour(freqs, p["noise_lowpass_hz"], p["noise_highpass_hz"], sr) * shift_ramp(shift, n_fft)
    if excitation_samples is not None:  # each event's own cut: its render does not depend on its batch
        env = env * (torch.arange(n_x, device=dev) < excitation_samples.to(dev).unsqueeze(-1))
    return excitation_spectrum(white_noise(seeds, n_x, dtype), env, p["click_mix"], colour, n_fft)


def render_dry(
    p: dict[str, torch.Tensor],
    seeds: torch.Tensor,
    n_samples: int,
    pre_roll: int = 0,
    stages: bool = False,
    sample_rate: int = SAMPLE_RATE,
    excitation_samples: torch.Tensor | None = None,
    wrap_tail: bool = False,
) -> dict[str, torch.Tensor]:
    """Everything before the room block, for a flat batch of events.

    Args:
        p: physical controls {name: (batch,)} from `params.unpack`.
        seeds: (batch,) int64 noise seeds.
        n_samples: output length n.
        pre_roll: samples of silence kept before the event time (decoding keeps negative shifts).
        stages: also return the "impulse" and "resonance" stages in the time domain.
        sample_rate: Hz.
        excitation_samples: (batch,) int64: stop each excitation after this many samples
            (`length.excitation_length`, where it is below -80 dB); shortens the FFTs when no body
            block is active. None: all n.
        wrap_tail: FFTs of n + shift + colour ring samples instead of n + excitation: what the resonances
            still sound after the n samples wraps onto their start. Used by `decode`, whose n is the event's
            audible length, so the wrapped part is below -60 dB re the event's peak (tested: ~-80 dB).

    Returns:
        {"body": (batch, n) dry signal at its final level, "gain": (batch,) the level factor applied,
        plus "impulse", "resonance" (batch, n) when `stages`}.
    """
    n, sr = n_samples, sample_rate
    grad = torch.is_grad_enabled() and p["amp_db"].requires_grad
    with_body = grad or bool((p["body_mix"] > 0).any())
    n_x = n if excitation_samples is None else max(1, min(n, int(excitation_samples.max())))
    ring = ring_samples(p, sr)
    if wrap_tail:  # the shift and the colour ring still fit: only the resonances' sub-audible tail wraps
        n_fft = fft_size(n, 0, ring)
    else:
        n_fft = fft_size(n, ring_samples=ring) if with_body else fft_size(n, n_x, ring)
    x = excitation(p, seeds, n_x, n_fft, pre_roll, sr, excitation_samples)
    n_max = max_partials(p)
    g_a = block_gain(_family(p, p["f0_hz"], p["brightness_hz"], n_fft, n, n_max, sr), p["tonal_mix"])
    if grad or bool((p["morph_amount"] > 0).any()):
        f0_b = p["f0_hz"] * p["morph_f0_ratio"]
        g_b = block_gain(_family(p, f0_b, p["morph_brightness_hz"], n_fft, n, n_max, sr), p["tonal_mix"])
        m = morph_weight(p, n, pre_roll, sr)
        y1: torch.Tensor | None = (torch.fft.irfft(x * g_a, n=n_fft)[:, :n] * (1.0 - m)
                                   + torch.fft.irfft(x * g_b, n=n_fft)[:, :n] * m)
    else:
        y1 = None  # block 1 stays a spectrum, x * g_a, until a later stage needs its samples

    def block1() -> torch.Tensor:
        """Block 1's output, truncated to n samples."""
        return y1 if y1 is not None else torch.fft.irfft(x * g_a, n=n_fft)[:, :n]

    if with_body:
        ones = torch.ones_like(p["body_hz"]).unsqueeze(-1)
        body_t60 = p["body_decay_s"].unsqueeze(-1)
        h_body = damped_sinusoid_bank(
            p["body_hz"].unsqueeze(-1), body_t60, ones * unit_energy_gain(body_t60, ones, sr).unsqueeze(-1), n, sr
        )
        # block 2 convolves block 1 truncated to n samples: no wrap-around
        y2_spec = torch.fft.rfft(block1(), n=n_fft) * block_gain(torch.fft.rfft(h_body, n=n_fft), p["body_mix"])
        body = torch.fft.irfft(y2_spec, n=n_fft)[:, :n]
    else:
        body = block1()
    gain = 10.0 ** (p["amp_db"] / 20.0) / (peak(body) + 1e-30)
    out = {"body": body * gain.unsqueeze(-1) if body.requires_grad or stages else body.mul_(gain.unsqueeze(-1)),
           "gain": gain}
    if stages:
        out["impulse"] = torch.fft.irfft(x, n=n_fft)[:, :n] * gain.unsqueeze(-1)
        out["resonance"] = block1() * gain.unsqueeze(-1)
    return out


def _prepare(
    controls: torch.Tensor, n_samples: int, seeds: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    if not isinstance(controls, torch.Tensor):
        raise ControlError("controls must be a torch.Tensor of shape (..., n_events, 32)")
    validate_controls(controls)
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ControlError(f"n_samples must be a positive integer, got {n_samples!r}")
    lead = tuple(controls.shape[:-1])
    if not controls.is_floating_point():
        controls = controls.float()
    flat = controls.reshape(-1, controls.shape[-1]).clamp(0.0, 1.0)
    if seeds is None:
        v = flat.detach().cpu().numpy()
        seeds = torch.from_numpy(event_seeds(np.zeros(len(v), dtype=np.int64), v))
    seeds = torch.as_tensor(seeds, dtype=torch.int64).reshape(-1).to(flat.device)
    if seeds.numel() != flat.shape[0]:
        raise ControlError(f"{seeds.numel()} seeds for {flat.shape[0]} events")
    return flat, seeds, lead


def render_stages(
    controls: torch.Tensor,
    n_samples: int,
    seeds: torch.Tensor | None = None,
    rooms: tuple[str, ...] = ROOM_NAMES,
    lead_samples: int = 0,
) -> dict[str, torch.Tensor]:
    """Every stage of the chain, each (..., n_events, n_samples), at the event's final level.

    Keys: "impulse" (excitation), "resonance" (block 1: dry/resonance mix with the A->B morph),
    "body" (block 2 = the dry signal, peak 10^(amp_db/20)), "room" (dry * IR, the wet signal alone),
    "output" ((1 - room_wet) body + room_wet room, equal to `render`). All include the fine shift.

    Args:
        controls: (..., n_events, 32) normalised controls.
        n_samples: length of each render.
        seeds: (..., n_events) int64 noise seeds; None derives them from the `seed` control alone.
        rooms: names or paths of the room bank that `room_id` indexes (default the 8 shipped rooms).
        lead_samples: start this many samples (0..PRE_ROLL) before the event time, so the onset of a
            negative fine shift is kept (`length.onset_lead`); 0 starts at the event time, as `render`.
    """
    if not 0 <= lead_samples <= PRE_ROLL:
        raise ControlError(f"lead_samples must be 0..{PRE_ROLL}, got {lead_samples}")
    flat, seeds_flat, batch_shape = _prepare(controls, n_samples, seeds)
    p = unpack(flat)
    n = n_samples + PRE_ROLL
    out = render_dry(p, seeds_flat, n, pre_roll=PRE_ROLL, stages=True)
    n_fft = fft_size(n)
    bank = room_bank(tuple(rooms)).to(device=flat.device, dtype=flat.dtype)
    ir_spec = room_spectra(bank, n_fft, max_len=n)[room_index(p["room_id"], bank.shape[0])]
    room_spec, mixed = apply_room(torch.fft.rfft(out["body"], n=n_fft), ir_spec, p["room_wet"])
    out["room"] = torch.fft.irfft(room_spec, n=n_fft)[:, :n]
    out["output"] = torch.fft.irfft(mixed, n=n_fft)[:, :n]
    start = PRE_ROLL - lead_samples
    return {k: out[k][:, start : start + n_samples].reshape(*batch_shape, n_samples) for k in STAGES}


def render(
    controls: torch.Tensor,
    n_samples: int,
    seeds: torch.Tensor | None = None,
    rooms: tuple[str, ...] = ROOM_NAMES,
) -> torch.Tensor:
    """Render events, each from its own time zero: (..., n_events, 32) -> (..., n_events, n_samples).

    Level: the dry signal (before the room) peaks at exactly 10^(amp_db / 20) within the window, so
    the output is linear in that factor (see the module docstring for closed-form amplitude fits).
    Differentiable w.r.t. all continuous controls; raises ControlError for NaN/out-of-range input.

    Args:
        controls: normalised controls in [0, 1] (tolerance 1e-4), float32 or float64.
        n_samples: samples per event.
        seeds: (..., n_events) int64 noise seeds (use `event_seeds` to match `decode`); None derives
            them from the `seed` control with time 0.
        rooms: names or paths of the room bank that `room_id` indexes.
    """
    flat, seeds_flat, lead = _prepare(controls, n_samples, seeds)
    p = unpack(flat)
    n = n_samples + PRE_ROLL  # rendered from PRE_ROLL samples early, as `decode` does, then cropped
    body = render_dry(p, seeds_flat, n, pre_roll=PRE_ROLL)["body"]
    wet = p["room_wet"]
    if not (torch.is_grad_enabled() and flat.requires_grad) and not bool((wet > 0).any()):
        return body[:, PRE_ROLL:].reshape(*lead, n_samples)
    n_fft = fft_size(n)
    bank = room_bank(tuple(rooms)).to(device=flat.device, dtype=flat.dtype)
    ir_spec = room_spectra(bank, n_fft, max_len=n)[room_index(p["room_id"], bank.shape[0])]
    _, mixed = apply_room(torch.fft.rfft(body, n=n_fft), ir_spec, wet)
    return torch.fft.irfft(mixed, n=n_fft)[:, PRE_ROLL:n].reshape(*lead, n_samples)


def level_db(gain: float) -> float:
    """20 log10(gain), the `amp_db` that a closed-form amplitude fit alpha corresponds to."""
    return 20.0 * math.log10(max(gain, 1e-30))
