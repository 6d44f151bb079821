"""The source: a coloured, enveloped noise burst plus an optional click (pure, differentiable)."""

from __future__ import annotations

import math

import torch

LN_1000 = math.log(1000.0)  # 60 dB as a natural-log amplitude ratio
CLICK_GAIN = (22050 * 0.005) ** 0.5  # the click carries the energy of ~5 ms of unit-variance noise
SUSTAIN_FLOOR = 1e-3  # -60 dB, the lower bound of `sustain_db`
EXP_FLOOR = 87.0  # e^-87 ~ 1.6e-38: exponents are clamped here, as float32 exp runs 10-40x slower past its range


def envelope(
    t_s: torch.Tensor,
    attack_s: torch.Tensor,
    env_decay_s: torch.Tensor,
    sustain_db: torch.Tensor,
    hold_s: torch.Tensor,
    release_s: torch.Tensor,
    tremolo_hz: torch.Tensor,
    tremolo_depth: torch.Tensor,
) -> torch.Tensor:
    """Excitation envelope, peak 1 at the end of the attack.

    Linear rise over `attack_s`; exponential fall (time constant `env_decay_s`) toward the sustain
    level (10^(dB/20) - 1e-3) / (1 - 1e-3), which is 0 at the -60 dB floor; after the gate closes
    at `hold_s` an exponential release that falls 60 dB in `release_s`; tremolo multiplies by
    1 - depth * (1 - cos(2 pi f t)) / 2.

    Args:
        t_s: times (n_samples,) in seconds.
        others: per-event parameters, shape (batch,).

    Returns:
        (batch, n_samples) envelope.
    """
    t = t_s.unsqueeze(0)
    a, tau, hold, rel = (x.unsqueeze(-1) for x in (attack_s, env_decay_s, hold_s, release_s))
    # the floor of the control (-60 dB) means no sustain at all, so struck sounds really die away
    sus = ((10.0 ** (sustain_db / 20.0) - SUSTAIN_FLOOR) / (1.0 - SUSTAIN_FLOOR)).unsqueeze(-1)
    if any(x.requires_grad for x in (t_s, attack_s, env_decay_s, sustain_db, hold_s, release_s)):
        rise = torch.clamp(t / a, max=1.0)
        fall = sus + (1.0 - sus) * torch.exp(-torch.clamp(torch.relu(t - a) / tau, max=EXP_FLOOR))
        release = torch.exp(-torch.clamp(torch.relu(t - hold) * (LN_1000 / rel), max=EXP_FLOOR))
        env = rise * fall * release
    else:
        env = _envelope_in_place(t, a, tau, sus, hold, rel)
    if not (tremolo_depth.requires_grad or bool((tremolo_depth != 0).any())):
        return env  # no event of the batch trembles: skip a cosine per sample
    depth, rate = tremolo_depth.unsqueeze(-1), tremolo_hz.unsqueeze(-1)
    return env * (1.0 - depth * 0.5 * (1.0 - torch.cos(2 * math.pi * rate * t)))


def _envelope_in_place(
    t: torch.Tensor, a: torch.Tensor, tau: torch.Tensor, sus: torch.Tensor, hold: torch.Tensor, rel: torch.Tensor
) -> torch.Tensor:
    """`envelope` without gradients in few passes: fall x release = sus release + (1 - sus) e^-(fall + release
    exponents), so events without sustain (most struck notes) need one exp per sample instead of two."""
    decay = (t - a).clamp_(min=0.0).div_(tau)
    released = (t - hold).clamp_(min=0.0).mul_(LN_1000 / rel)
    env = (decay + released).clamp_(max=EXP_FLOOR).neg_().exp_()
    if bool((sus > 0).any()):
        env.mul_(1.0 - sus).add_(released.clamp_(max=EXP_FLOOR).neg_().exp_().mul_(sus))
    return env.mul_((t / a).clamp_(max=1.0))


def colour_response(
    freqs_hz: torch.Tensor,
    lowpass_hz: torch.Tensor,
    highpass_hz: torch.Tensor,
    ramp: torch.Tensor | None = None,
    sample_rate: int = 22050,
) -> torch.Tensor:
    """Digital 2nd-order Butterworth low-pass x high-pass (bilinear transform) on rFFT bins, times an optional ramp.

    The analog prototypes 1 / (1 + sqrt2 s + s^2) and s^2 / (1 + sqrt2 s + s^2) are evaluated at
    s = j tan(pi f / sr) / tan(pi f_c / sr): exactly the response of the causal biquads that
    `scipy.signal.butter(2, f_c, fs=sr)` designs, so the filter adds no pre-echo before the onset.
    Computed in real arithmetic (it runs on every bin of every event).

    Args:
        freqs_hz: bin frequencies (n_bins,), 0 .. sample_rate / 2.
        lowpass_hz, highpass_hz: cut-offs (batch,), clamped below Nyquist.
        ramp: optional complex (batch, n_bins) factor (the fine shift's `schedule.shift_ramp`).
        sample_rate: Hz.

    Returns:
        complex (batch, n_bins) frequency response.
    """
    nyq = 0.5 * sample_rate
    w = torch.tan((math.pi / sample_rate) * torch.clamp(freqs_hz, max=nyq * 0.99999)).unsqueeze(0)
    w2 = w * w
    kl = 1.0 / torch.tan((math.pi / sample_rate) * torch.clamp(lowpass_hz, max=0.995 * nyq)).unsqueeze(-1)
    kh = 1.0 / torch.tan((math.pi / sample_rate) * torch.clamp(highpass_hz, max=0.995 * nyq)).unsqueeze(-1)
    # with x = w kl, y = w kh (the bins warped to each prototype), u = x y and v = x + y:
    # P = (1 - x^2 + i sqrt2 x)(1 - y^2 + i sqrt2 y) = (1 - v^2 + u^2) + i sqrt2 v (1 - u), |P|^2 = (1 + x^4)(1 + y^4)
    # and H = -y^2 / P = -y^2 conj(P) / |P|^2, all in real arithmetic (it runs on every bin of every event)
    u = w2 * (kl * kh)
    v = w * (kl + kh)
    x2, y2 = w2 * (kl * kl), w2 * (kh * kh)
    scale = -y2 / (1.0 + y2 * y2) / (1.0 + x2 * x2)  # in two steps: the product overflows float32 near Nyquist
    h = torch.complex(scale * (1.0 - v * v + u * u), scale * (-math.sqrt(2.0)) * v * (1.0 - u))
    return h if ramp is None else h * ramp


def excitation_spectrum(
    noise: torch.Tensor, env: torch.Tensor, click_mix: torch.Tensor, colour: torch.Tensor, n_fft: int
) -> torch.Tensor:
    """rFFT (batch, n_fft//2+1) of colour * ((1 - click_mix) * noise * env + click_mix * CLICK_GAIN * delta).

    Args:
        noise, env: (batch, n_samples) white noise and its envelope.
        click_mix: (batch,) share of the impulse.
        colour: complex (batch, n_bins) colour filter response.
        n_fft: FFT size (>= n_samples; zero-padded).
    """
    burst = torch.fft.rfft(noise * (env * (1.0 - click_mix).unsqueeze(-1)), n=n_fft)
    return (burst + (click_mix * CLICK_GAIN).unsqueeze(-1)) * colour
