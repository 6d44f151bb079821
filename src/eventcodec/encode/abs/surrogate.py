"""A fast, differentiable model of an event's *expected* power spectrogram, for scoring and refining.

Rendering candidates with the real synthesizer is too slow to score dozens per event, so the search uses
the statistics of the synth's signal chain instead (body, room, click, tremolo and morph are left at
their defaults by this encoder and are not modelled):

    e[n] = noise[n] env[n] coloured by C(f)        (unit-variance white noise)
    y    = (1 - m) e + m (e * h),  h = unit-energy bank of partials a_p r_p^n sin(2 pi f_p n / sr)

Expected power in STFT frame j (n_fft 2048, hop 256, periodic Hann w, sum w^2 = 768):
    dry:       (1 - m)^2 |C(f)|^2 sum(w^2) <env^2>_j
    partial p: m^2 K_p(f) |C(f_p)|^2 (a_p g)^2 / 2 <env^2 * r_p^(2n)>_j,  K_p a Gaussian line of area N sum(w^2) / 2
where <.>_j averages over the frame with weights w^2 and `*` is a convolution in time. The level is set
as in the synth: the peak |y| equals 10^(amp_db / 20), with the peak predicted as CREST * sqrt(max power).
Frame j of the output lines up with window frame `onset_frame - PAD_FRAMES + j` (see `spectra`).
"""

from __future__ import annotations

import functools
import math

import torch

from eventcodec.encode.abs.spectra import BIN_HZ, N_BINS, PAD_SAMPLES
from eventcodec.spectral import HOP, N_FFT
from eventcodec.synth.excitation import EXP_FLOOR, envelope
from eventcodec.synth.params import unpack
from eventcodec.synth.resonance import harmonic_family, unit_energy_gain
from eventcodec.types import SAMPLE_RATE

STEP = 128  # time resolution of the envelope model, samples
SUB = HOP // STEP
WIN_STEPS = N_FFT // STEP
SUM_W2 = 0.375 * N_FFT
LINE_AREA = N_FFT * SUM_W2 / 2.0
HANN_SIGMA2_BINS = 0.36  # Gaussian fit of the Hann main lobe in power: 1/4 at one bin off
LINE_OFFSETS = 5  # bins modelled either side of a partial
CREST = 2.7  # peak / RMS of a rendered event (calibrated on real renders, see docs/encoder.md)


@functools.lru_cache(maxsize=32)
def _frame_matrix(steps: int, n_frames: int) -> torch.Tensor:
    """(steps, n_frames) weights: column j averages the STEP grid over frame j with Hann^2 weights."""
    n = torch.arange(WIN_STEPS, dtype=torch.float64) * STEP + STEP / 2
    w2 = torch.sin(math.pi * n / N_FFT) ** 4
    w2 = (w2 / w2.sum()).to(torch.float32)
    m = torch.zeros(max(steps, (n_frames - 1) * SUB + WIN_STEPS), n_frames)
    for j in range(n_frames):
        m[j * SUB : j * SUB + WIN_STEPS, j] = w2
    return m[:steps]


def frame_mean(x: torch.Tensor, n_frames: int) -> torch.Tensor:
    """Frame averages (..., n_frames) of an envelope (..., steps) on the STEP grid (weights Hann^2)."""
    return x @ _frame_matrix(x.shape[-1], n_frames).to(x.dtype)


def _decay_conv(env2: torch.Tensor, t60_s: torch.Tensor) -> torch.Tensor:
    """sum_{tau <= t} env2[tau] r^(2 (t - tau)) per partial: (B, T), (B, P) -> (B, P, T), time in samples."""
    T = env2.shape[-1]
    n = torch.arange(T, dtype=env2.dtype, device=env2.device) * STEP
    kern = torch.exp((-2.0 * math.log(1000.0) * n / (t60_s.unsqueeze(-1) * SAMPLE_RATE)).clamp(min=-EXP_FLOOR))
    L = 2 * T
    spec = torch.fft.rfft(env2.unsqueeze(1), n=L) * torch.fft.rfft(kern, n=L)
    return torch.fft.irfft(spec, n=L)[..., :T].clamp_min(0.0) * STEP


def expected_power(controls: torch.Tensor, n_frames: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Expected power spectrogram of events rendered from their onsets, and its total level.

    Args:
        controls: (B, 32) normalised controls.
        n_frames: frames to model; frame j covers event samples [256 j - PAD_SAMPLES, 256 j + 256).

    Returns:
        ((B, 1025, n_frames) expected power at the events' amp_db, (B, n_frames) frame energy).
    """
    p = unpack(controls)
    dtype, dev = controls.dtype, controls.device
    steps = (n_frames - 1) * SUB + WIN_STEPS
    t_s = (torch.arange(steps, dtype=dtype, device=dev) * STEP + STEP / 2 - PAD_SAMPLES) / SAMPLE_RATE
    env = envelope(t_s.clamp_min(0.0), p["attack_s"], p["env_decay_s"], p["sustain_db"], p["hold_s"],
                   p["release_s"], p["tremolo_hz"], p["tremolo_depth"])
    env2 = env.square() * (t_s >= 0).to(dtype)  # (B, T)
    bins_hz = torch.arange(N_BINS, dtype=dtype, device=dev) * BIN_HZ
    col2 = _partial_colour(bins_hz.expand(controls.shape[0], -1), p["noise_lowpass_hz"], p["noise_highpass_hz"])
    n_max = max(1, int(torch.round(p["n_partials"]).max().item()))
    freq, t60, amp = harmonic_family(
        p["f0_hz"], p["n_partials"], p["inharmonicity"], p["decay_s"], p["decay_tilt"], p["brightness_hz"],
        p["spectral_slope_db_oct"], p["odd_even"], p["detune_cents"], SAMPLE_RATE, max_partials=n_max,
    )
    gain = unit_energy_gain(t60, amp, SAMPLE_RATE).unsqueeze(-1)
    col_p2 = _partial_colour(freq, p["noise_lowpass_hz"], p["noise_highpass_hz"])
    part_pow = (amp * gain).square() * 0.5 * col_p2  # (B, P)
    res_env = _decay_conv(env2, t60) * part_pow.unsqueeze(-1)  # (B, P, T) mean-square per partial
    m = p["tonal_mix"].unsqueeze(-1)
    dry_ms = env2 * col2.mean(-1, keepdim=True)  # (B, T) mean-square of the dry excitation
    ms = (1 - m).square() * dry_ms + m.square() * res_env.sum(1)  # (B, T)
    level = 10.0 ** (p["amp_db"] / 10.0) / (CREST**2 * ms.amax(-1) + 1e-30)  # g^2, (B,)
    env2_f = frame_mean(env2, n_frames)  # (B, M)
    res_f = frame_mean(res_env, n_frames)  # (B, P, M)
    res = _place_lines(freq, t60, res_f)  # (B, F, M)
    dry = (SUM_W2 * col2).unsqueeze(-1) * env2_f.unsqueeze(1)
    power = (level * m.square().squeeze(-1)).view(-1, 1, 1) * res + (level * (1 - m.squeeze(-1)).square()
                                                                      ).view(-1, 1, 1) * dry
    return power, power.sum(1)


def _partial_colour(freq_hz: torch.Tensor, lowpass_hz: torch.Tensor, highpass_hz: torch.Tensor) -> torch.Tensor:
    """|C(f_p)|^2 of the excitation colour at each partial: (B, P)."""
    sl = freq_hz / lowpass_hz.unsqueeze(-1)
    sh = freq_hz / highpass_hz.unsqueeze(-1)
    lp = 1.0 / (1.0 + sl**4)  # |Butterworth-2|^2 = 1 / (1 + x^4)
    hp = sh**4 / (1.0 + sh**4)
    return lp * hp


def _place_lines(freq_hz: torch.Tensor, t60_s: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    """Spread each partial's frame energies (B, P, M) over bins as a Gaussian line: (B, 1025, M).

    The line has the Hann main lobe's width widened by the partial's decay bandwidth, and area
    LINE_AREA (the one-sided STFT power of a unit mean-square sinusoid); only +-LINE_OFFSETS bins are kept.
    """
    B, _P, M = frames.shape
    pos = freq_hz / BIN_HZ  # (B, P)
    bw_bins = 1.1 / (t60_s * BIN_HZ * 1.18)
    sigma2 = HANN_SIGMA2_BINS + bw_bins.square()
    centre = torch.round(pos.detach()).to(torch.int64)
    offs = torch.arange(-LINE_OFFSETS, LINE_OFFSETS + 1, device=freq_hz.device)
    idx = (centre.unsqueeze(-1) + offs).clamp(0, N_BINS - 1)  # (B, P, O)
    d = idx.to(pos.dtype) - pos.unsqueeze(-1)
    area = (LINE_AREA / torch.sqrt(2 * math.pi * sigma2)).unsqueeze(-1)
    w = torch.exp((-0.5 * d.square() / sigma2.unsqueeze(-1)).clamp(min=-EXP_FLOOR)) * area
    contrib = (w.unsqueeze(-1) * frames.unsqueeze(2)).reshape(B, -1, M)  # (B, P*O, M)
    out = torch.zeros(B, N_BINS, M, dtype=frames.dtype, device=frames.device)
    return out.scatter_add(1, idx.reshape(B, -1, 1).expand(-1, -1, M), contrib)
