"""Resonances: banks of exponentially decaying sinusoids, built directly as rFFT spectra (pure, differentiable).

A sinusoid h[n] = a r^n sin(theta n), truncated to n < L, has the closed-form DFT (geometric series)
    H[k] = a / 2i * sum_{z in (q, conj q)} +-(1 - z^L w^L) / (1 - z w),  q = r e^{i theta}, w = e^{-2 pi i k / M},
so a bank of partials is summed in the frequency domain and multiplied with the excitation's rFFT.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
import torch

from eventcodec.synth.excitation import EXP_FLOOR

LN_1000 = math.log(1000.0)
MAX_PARTIALS = 64
PARTIAL_CHUNK = 16  # partials evaluated at once: bounds memory at batch x 16 x n_bins
_GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def t60_to_radius(t60_s: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """Pole radius r with r^(T60 * sr) = 1e-3 (60 dB down after `t60_s`)."""
    return torch.exp(-LN_1000 / (t60_s * sample_rate))


@functools.cache
def _partial_numbers(
    max_partials: int, dtype: torch.dtype, device: torch.device
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-partial constants of `harmonic_family` (k, k^2, spread c_k, log2(k) / 6.02 dB, 1 for even k), built once."""
    k = torch.arange(1, max_partials + 1, dtype=dtype, device=device)
    return (k, k * k, torch.sin(k * _GOLDEN_ANGLE), torch.log2(k) / (20.0 * math.log10(2.0)),
            (k % 2 == 0).to(dtype))


def harmonic_family(
    f0_hz: torch.Tensor,
    n_partials: torch.Tensor,
    inharmonicity: torch.Tensor,
    decay_s: torch.Tensor,
    decay_tilt: torch.Tensor,
    brightness_hz: torch.Tensor,
    slope_db_oct: torch.Tensor,
    odd_even: torch.Tensor,
    detune_cents: torch.Tensor,
    sample_rate: int,
    max_partials: int = MAX_PARTIALS,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Frequencies, T60s and amplitudes of a harmonic family, each (batch, max_partials).

    Partial k sits at k f0 sqrt(1 + B k^2) 2^(detune_cents c_k / 1200) with a fixed spread pattern
    c_k = sin(k * golden angle); T60_k = decay_s / k^tilt; amplitude k^(slope/6.02) times a steep
    low-pass 1/sqrt(1 + (f/brightness)^8), even partials times (1 + odd_even). Partials beyond
    round(n_partials) or near Nyquist get amplitude 0 (`n_partials` is not differentiable).

    Args:
        all tensors (batch,) in physical units (see `eventcodec.controls`).
        sample_rate: Hz.
        max_partials: width of the returned bank.
    """
    k, k2, spread, slope_exp, even = _partial_numbers(max_partials, f0_hz.dtype, f0_hz.device)

    def col(x: torch.Tensor) -> torch.Tensor:
        return x.unsqueeze(-1)

    freq = k * col(f0_hz) * torch.sqrt(1.0 + col(inharmonicity) * k2)
    freq = freq * torch.exp2(col(detune_cents) * spread / 1200.0)
    t60 = col(decay_s) / k ** col(decay_tilt)
    amp = torch.exp2(slope_exp * col(slope_db_oct))
    amp = amp * torch.rsqrt(1.0 + (freq / col(brightness_hz)) ** 8)
    amp = amp * (1.0 + even * col(odd_even))
    active = (k <= col(torch.round(n_partials)).detach()).to(k.dtype)
    nyq = 0.5 * sample_rate
    amp = amp * active * torch.sigmoid((0.95 * nyq - freq) / (0.005 * nyq))
    return torch.clamp(freq, max=0.999 * nyq), t60, amp


def unit_energy_gain(t60_s: torch.Tensor, amp: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """1 / sqrt(energy) of the untruncated bank, cross terms neglected: (batch,) from (batch, n_partials).

    Energy of a r^n sin(theta n) ~= a^2 / (2 (1 - r^2)); independent of any render length.
    """
    one_minus_r2 = -torch.expm1((-2.0 * LN_1000 / sample_rate) / t60_s)  # 1 - r^2 with r = t60_to_radius
    energy = (amp * amp / (2.0 * one_minus_r2)).sum(-1)
    return torch.rsqrt(energy + 1e-12)


def damped_sinusoid_spectrum(
    freq_hz: torch.Tensor,
    t60_s: torch.Tensor,
    amp: torch.Tensor,
    n_fft: int,
    length: int,
    sample_rate: int,
) -> torch.Tensor:
    """rFFT of sum_p amp_p r_p^n sin(2 pi f_p n / sr) for 0 <= n < length, zero-padded to n_fft.

    Args:
        freq_hz, t60_s, amp: (batch, n_partials) partial frequencies, T60s and amplitudes.
        n_fft: FFT size M (>= length).
        length: truncation L in samples.
        sample_rate: Hz.

    Returns:
        complex (batch, n_fft // 2 + 1) spectrum, dtype matching the inputs.
    """
    dtype, dev = freq_hz.dtype, freq_hz.device
    n_bins = n_fft // 2 + 1
    kk = torch.arange(n_bins, dtype=torch.int64, device=dev)
    omega = (2.0 * math.pi / n_fft) * kk.to(torch.float64)
    omega_l = (2.0 * math.pi / n_fft) * ((kk * length) % n_fft).to(torch.float64)  # omega * L mod 2 pi, exact
    omega, omega_l = omega.to(dtype), omega_l.to(dtype)
    # per-partial quantities in float64: L theta mod 2 pi and 1 - r need the precision
    theta = (2.0 * math.pi / sample_rate) * freq_hz.to(torch.float64)
    log_r = -LN_1000 / (t60_s.to(torch.float64) * sample_rate)
    one_minus_r = (-torch.expm1(log_r)).to(dtype)
    r = torch.exp(log_r).to(dtype)
    r_l = torch.exp(log_r * length).to(dtype)
    theta_l = torch.remainder(theta * length, 2.0 * math.pi).to(dtype)
    theta = theta.to(dtype)
    out = torch.zeros(freq_hz.shape[0], n_bins, dtype=torch.complex128 if dtype == torch.float64 else torch.complex64,
                      device=dev)
    for p0 in range(0, freq_hz.shape[-1], PARTIAL_CHUNK):
        sl = slice(p0, p0 + PARTIAL_CHUNK)

        def col(x: torch.Tensor, s: slice = sl) -> torch.Tensor:
            return x[:, s].unsqueeze(-1)

        terms = []
        for sign in (1.0, -1.0):
            delta = sign * col(theta) - omega
            den = torch.complex(col(one_minus_r) + 2.0 * col(r) * torch.sin(0.5 * delta) ** 2,
                                -col(r) * torch.sin(delta))
            psi = sign * col(theta_l) - omega_l
            num = torch.complex(1.0 - col(r_l) * torch.cos(psi), -col(r_l) * torch.sin(psi))
            terms.append(num / den)
        # (S(q) - S(conj q)) / 2i, weighted by amplitudes and summed over partials
        out = out + ((terms[0] - terms[1]) * (col(amp) * -0.5j)).sum(-2)
    return out


def _block_size(length: int) -> int:
    """The power of two nearest sqrt(length), 16..512: fewest transcendentals for the block factorisation."""
    return int(min(512, max(16, 2 ** round(math.log2(max(length, 1)) / 2))))


class BlockPowers(NamedTuple):
    """z^i for i < block and z^(block j) for j < n_blocks of each pole z = r e^(i theta): the factors of z^n.

    outer: complex (B, n_blocks, P); right: (B, 2P, block), the rows Im z_p^i, Re z_p^i of each partial in
    turn (the right factor of `damped_sinusoid_bank`'s product).
    """

    outer: torch.Tensor
    right: torch.Tensor

    @property
    def block(self) -> int:
        return self.right.shape[-1]

    @property
    def inner_re(self) -> torch.Tensor:
        """Re z^i, (B, P, block)."""
        return self.right[:, 1::2]

    @property
    def inner_im(self) -> torch.Tensor:
        """Im z^i, (B, P, block)."""
        return self.right[:, 0::2]


def _geometric(log_r: torch.Tensor, theta: torch.Tensor, grids: tuple[tuple[int, int], ...],
               dtype: torch.dtype) -> list[torch.Tensor]:
    """For each (count, step) of `grids`, z^(step i) for i < count, z = e^(log_r + i theta): complex (..., count)
    from float64 (..., 1).

    As outer products: with i = a j + k (a ~ sqrt(count)), z^(step i) = z^(step a j) z^(step k), both factors
    rounded once (their log-magnitude and phase, reduced mod 2 pi, come from float64), so each power is one
    complex multiply (error ~1e-7 in float32), and all grids together cost ~20 torch ops however long they
    are (few ops matter: decoding runs in threads, and each op's dispatch holds the GIL).
    """
    a_s = [math.isqrt(max(count, 1) - 1) + 1 for count, _ in grids]  # fine factors per grid, ~sqrt(count)
    b_s = [-(-count // a) for a, (count, _) in zip(a_s, grids, strict=True)]  # coarse factors
    exponents = np.concatenate([np.concatenate([np.arange(a) * step, np.arange(b) * (step * a)])
                                for a, b, (_, step) in zip(a_s, b_s, grids, strict=True)]).astype(np.float64)
    e = torch.from_numpy(exponents).to(log_r.device)
    # magnitude exponents and phases (reduced mod 2 pi) need float64; their exp, cos and sin do not
    # (magnitudes below e^-87 are clamped there: float32 exp runs 10-40x slower past its range)
    f = torch.polar(torch.exp((log_r * e).clamp_(min=-EXP_FLOOR).to(dtype)),
                    torch.remainder(theta * e, 2.0 * math.pi).to(dtype))
    parts = f.split([n for ab in zip(a_s, b_s, strict=True) for n in ab], dim=-1)  # fine, coarse, fine, ...
    return [(coarse.unsqueeze(-1) * fine.unsqueeze(-2)).flatten(-2)[..., :count]
            for fine, coarse, (count, _) in zip(parts[0::2], parts[1::2], grids, strict=True)]


def block_powers(
    freq_hz: torch.Tensor, t60_s: torch.Tensor, length: int, sample_rate: int, block: int | None = None
) -> BlockPowers:
    """The powers of each partial's pole covering n < `length` (reusable by banks and states no longer than that).

    Args:
        freq_hz, t60_s: (batch, n_partials).
        length: samples to cover.
        sample_rate: Hz.
        block: inner block size; None picks the power of two nearest sqrt(length) (fewest operations).
    """
    block = _block_size(length) if block is None else block
    n_blocks = -(-length // block)
    theta = ((2.0 * math.pi / sample_rate) * freq_hz.to(torch.float64)).unsqueeze(-1)
    log_r = (-LN_1000 / (t60_s.to(torch.float64) * sample_rate)).unsqueeze(-1)
    inner, outer = _geometric(log_r, theta, ((block, 1), (n_blocks, block)), freq_hz.dtype)
    right = torch.stack([inner.imag, inner.real], dim=-2).flatten(-3, -2)
    return BlockPowers(outer.transpose(-1, -2).contiguous(), right)


def damped_sinusoid_bank(
    freq_hz: torch.Tensor, t60_s: torch.Tensor, amp: torch.Tensor, length: int, sample_rate: int,
    block: int | None = None, amp_cos: torch.Tensor | None = None, powers: BlockPowers | None = None,
    out: torch.Tensor | None = None, alive_samples: np.ndarray | None = None,
) -> torch.Tensor:
    """Time-domain bank (batch, length) = sum_p r_p^n (amp_p sin(theta_p n) + amp_cos_p cos(theta_p n)), one bmm.

    With n = block j + i, z^n = z^(block j) z^i, so h[block j + i] = Im(sum_p (c_p z_p^(block j)) z_p^i) with
    c_p = amp_p + i amp_cos_p: a (n_blocks x 2P) @ (2P x block) product per event instead of P x length
    transcendental evaluations.

    Args:
        freq_hz, t60_s, amp: (batch, n_partials).
        length: samples L.
        sample_rate: Hz.
        block: inner block size; None picks the power of two nearest sqrt(L).
        amp_cos: (batch, n_partials) cosine amplitudes (a phase per partial); None: all 0.
        powers: `block_powers` of these partials covering >= `length` samples (then `block` is theirs).
        out: (batch, >= length rounded up to the block) with contiguous rows: the bank is written there.
        alive_samples: (n_partials,) samples after which partial p is left out of every event's sum (where
            it has died away); with most of them short, the product shrinks to the partials still sounding.
    """
    if powers is None:
        powers = block_powers(freq_hz, t60_s, length, sample_rate, block)
    block = powers.block
    n_blocks = -(-length // block)
    c = amp if amp_cos is None else torch.complex(amp, amp_cos)
    batch = freq_hz.shape[0]
    # left: (B, nb, 2K), Re and Im of c_p z_p^(block j) for the first K partials in turn, paired with
    # `powers.right`'s rows: Im(w z^i) = Re(w) Im(z^i) + Im(w) Re(z^i)
    if out is None and alive_samples is None:  # differentiable
        left = torch.view_as_real(powers.outer[:, :n_blocks] * c.unsqueeze(-2)).flatten(-2)
        return torch.bmm(left, powers.right).reshape(batch, n_blocks * block)[:, :length]
    if out is None:
        out = freq_hz.new_empty(batch, n_blocks * block)
    rows = out[:, : n_blocks * block].view(batch, n_blocks, block)
    for j0, j1, k in _prefix_segments(alive_samples, block, n_blocks, c.shape[-1]):
        if k == 0:
            rows[:, j0:j1].zero_()
            continue
        left = torch.view_as_real(powers.outer[:, j0:j1, :k] * c[:, :k].unsqueeze(-2)).flatten(-2)
        torch.bmm(left, powers.right[:, : 2 * k], out=rows[:, j0:j1])
    return out[:, :length]


def _prefix_segments(
    alive_samples: np.ndarray | None, block: int, n_blocks: int, n_partials: int
) -> list[tuple[int, int, int]]:
    """Runs of blocks [j0, j1) that need only the first k partials: (j0, j1, k), covering all n_blocks.

    Partial p is needed in block j while j block < alive_samples[p]; a new run starts where the needed
    prefix halves, so a bank costs a few products however its partials die away.
    """
    if alive_samples is None:
        return [(0, n_blocks, n_partials)]
    last = np.minimum(-(-np.asarray(alive_samples, dtype=np.int64) // block), n_blocks)  # blocks per partial
    # k_j = 1 + the highest partial still needed in block j (0: none)
    need = np.maximum.accumulate(last[::-1])[::-1]  # need[p] = blocks for which a partial >= p is alive
    k_of = np.searchsorted(-need, -np.arange(n_blocks), side="left")  # partials p with need[p] > j
    runs, j0 = [], 0
    while j0 < n_blocks:
        k = int(k_of[j0])
        j1 = j0 + 1 + int(np.searchsorted(-k_of[j0 + 1 :], -(k // 2), side="left")) if k else n_blocks
        runs.append((j0, min(j1, n_blocks), k))
        j0 = j1
    return runs


def resonator_state(
    x: torch.Tensor, freq_hz: torch.Tensor, t60_s: torch.Tensor, amp: torch.Tensor, sample_rate: int,
    powers: BlockPowers | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """What a bank of resonances rings with after an input ends: the free decay of x * h in closed form.

    For h[n] = sum_p amp_p Im(z_p^n) and x zero from sample L = x.shape[-1] on, (x * h)[L + s] =
    sum_p Im(c_p z_p^s) with c_p = amp_p sum_{t < L} x[t] z_p^(L - t): continue it with
    `damped_sinusoid_bank(freq, t60, Re c, n, sr, amp_cos=Im c)`.

    Args:
        x: (batch, L) input.
        freq_hz, t60_s, amp: (batch, n_partials) as for `damped_sinusoid_bank`.
        sample_rate: Hz.
        powers: `block_powers` of these partials covering >= L + 1 samples; None computes them.

    Returns:
        (Re c, Im c), each (batch, n_partials).
    """
    length = x.shape[-1]
    if powers is None:
        powers = block_powers(freq_hz, t60_s, length + 1, sample_rate)
    block = powers.block
    n_blocks = -(-(length + 1) // block)
    # u[k] = x[L - k] for k = 1..L (u[0] = 0), so c_p = amp_p sum_k u[k] z_p^k = sum_j z_p^(block j) (U_j . z_p^i)
    u = torch.nn.functional.pad(torch.flip(x, (-1,)), (1, n_blocks * block - length - 1))
    u = u.reshape(x.shape[0], n_blocks, block)
    # U_j . (Im z^i, Re z^i) per partial: as a complex number q = i conj(w) for w = U_j . z^i
    q = torch.view_as_complex(torch.bmm(u, powers.right.transpose(-1, -2)).unflatten(-1, (-1, 2)))
    c = (powers.outer[:, :n_blocks] * (q.conj() * 1j)).sum(-2)
    return amp * c.real, amp * c.imag


def damped_sinusoid_reference(
    freq_hz: torch.Tensor, t60_s: torch.Tensor, amp: torch.Tensor, length: int, sample_rate: int
) -> torch.Tensor:
    """Time-domain reference of the same bank: (batch, length) = sum_p amp_p r_p^n sin(theta_p n)."""
    n = torch.arange(length, dtype=torch.float64, device=freq_hz.device)
    theta = (2.0 * math.pi / sample_rate) * freq_hz.to(torch.float64).unsqueeze(-1)
    r = t60_to_radius(t60_s.to(torch.float64), sample_rate).unsqueeze(-1)
    h = amp.to(torch.float64).unsqueeze(-1) * r**n * torch.sin(theta * n)
    return h.sum(-2).to(freq_hz.dtype)
