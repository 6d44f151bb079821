"""The learned codec: encoder + control heads + the synthesizer, run for K iterative steps.

Each step the encoder reads the (detached) residual magnitude spectrogram, one frame is picked
(hard one-hot, straight-through gradient), its 32-d latent goes through the MLP heads to the
32 synth controls, the synthesizer renders the event at time 0, the one-hot places it at
`frame * hop` (the controls' `shift_samples` is the fine, sub-frame placement the synth applies),
and the event's magnitude spectrogram is subtracted from the residual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from eventcodec.model.config import ModelConfig
from eventcodec.model.encoder import Encoder
from eventcodec.model.heads import ControlHeads
from eventcodec.model.schedule import place_at_frames
from eventcodec.model.select import gather_selected, select_one_hot
from eventcodec.spectral import HOP, N_FFT, stft_magnitude

# render(controls (batch, n_events, 32) in [0, 1], n_samples, seeds (batch, n_events) int64) -> (batch, n_events, n)
RenderFn = Callable[[torch.Tensor, int, torch.Tensor], torch.Tensor]


def synth_render(controls: torch.Tensor, n_samples: int, seeds: torch.Tensor) -> torch.Tensor:
    """The shipped renderer: `eventcodec.synth.render` (imported lazily)."""
    from eventcodec.synth import render

    out: torch.Tensor = render(controls, n_samples, seeds)
    return out


@dataclass
class Decomposition:
    """What one forward pass found in a batch of windows.

    Attributes:
        frames: (batch, n_events) int64 selected frame of each event (time = frame * hop samples).
        latents: (batch, n_events, 32) event vectors.
        controls: (batch, n_events, 32) normalised synth controls.
        event_specs: (batch, n_events, bins, frames) magnitude spectrogram of each placed event.
        event_audio: (batch, n_events, n_samples) each placed event.
        target_spec: (batch, bins, frames) magnitude spectrogram of the input.
    """

    frames: torch.Tensor
    latents: torch.Tensor
    controls: torch.Tensor
    event_specs: torch.Tensor
    event_audio: torch.Tensor
    target_spec: torch.Tensor


class EventModel(nn.Module):
    """Encoder and decoder heads of the paper's model; the synthesizer has no learned weights here."""

    window: torch.Tensor

    def __init__(self, cfg: ModelConfig, render: RenderFn = synth_render) -> None:
        super().__init__()
        if cfg.hop != HOP or cfg.n_samples % (2 * cfg.hop):
            raise ValueError(f"hop must be {HOP} and n_samples a multiple of {2 * HOP}")
        self.cfg = cfg
        self.render = render
        self.encoder = Encoder(cfg, N_FFT // 2 + 1)
        self.heads = ControlHeads(cfg)
        self.register_buffer("window", torch.hann_window(N_FFT, periodic=True), persistent=False)

    def spectrogram(self, audio: torch.Tensor) -> torch.Tensor:
        """(..., n_samples) -> (..., 1025, n_samples / hop) linear magnitude."""
        return stft_magnitude(audio, self.window, self.cfg.hop)

    def latent_to_controls(self, latents: torch.Tensor) -> torch.Tensor:
        """(..., 32) latent -> (..., 32) controls in [0, 1]."""
        out: torch.Tensor = self.heads(latents)
        return out

    def forward(self, audio: torch.Tensor, seeds: torch.Tensor) -> Decomposition:
        """Decompose windows into `n_events` events each (training path, differentiable).

        Args:
            audio: (batch, n_samples) mono windows.
            seeds: (batch, n_events) int64 noise seeds for the renderer.
        """
        n = audio.shape[-1]
        target = self.spectrogram(audio)
        residual = target
        frames, latents, controls, specs, audios = [], [], [], [], []
        for k in range(self.cfg.n_events):
            vectors, switch = self.encoder(residual.detach())
            one_hot = select_one_hot(switch, self.cfg.select_temperature)
            z = gather_selected(vectors, one_hot)
            c = self.latent_to_controls(z)
            event = self.render(c[:, None], n, seeds[:, k : k + 1])[:, 0]
            placed = place_at_frames(event, one_hot, self.cfg.hop)
            spec = self.spectrogram(placed)
            residual = residual - spec
            frames.append(switch.argmax(dim=-1))
            latents.append(z)
            controls.append(c)
            specs.append(spec)
            audios.append(placed)
        return Decomposition(
            frames=torch.stack(frames, 1),
            latents=torch.stack(latents, 1),
            controls=torch.stack(controls, 1),
            event_specs=torch.stack(specs, 1),
            event_audio=torch.stack(audios, 1),
            target_spec=target,
        )
