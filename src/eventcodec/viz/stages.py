"""Decoder stages of one event as spectrograms: impulse, resonance, body, room, output."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from eventcodec.edit.render import event_stages
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.viz._mpl import figure
from eventcodec.viz.spectrogram import FLOOR_DB, db_spectrogram

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

STAGE_TITLES = {
    "impulse": "impulse: the noise burst (excitation)",
    "resonance": "resonance: burst through the decaying partials (A->B mix)",
    "body": "body: through the body resonance (the dry signal)",
    "room": "room: the dry signal convolved with the room IR (wet part alone)",
    "output": "output: (1 - room_wet) dry + room_wet room",
}
N_FFT, HOP = 1024, 128
MIN_HZ = 30.0


def plot_stages(
    events: EventSet,
    index: int,
    stages: Sequence[str] = ("impulse", "resonance", "body", "room", "output"),
    axes: Sequence[Axes] | None = None,
    title: str | None = None,
) -> Figure:
    """One spectrogram per stage (shared dB scale, log frequency), stacked in time order.

    Args:
        events: a controls-space set.
        index: which event.
        stages: which stages to draw, in order (keys of `edit.render.event_stages`).
        axes: one Axes per stage (None: a new figure).
        title: figure title (None: a default naming the event).

    Raises:
        EventCodecError: a latent set, a bad index or an unknown stage.
    """
    unknown = [s for s in stages if s not in STAGE_TITLES]
    if unknown:
        raise EventCodecError(f"unknown stage {unknown[0]!r}; known: {', '.join(STAGE_TITLES)}")
    audio = event_stages(events, index)
    sr = events.sample_rate
    if axes is None:
        fig = figure((10, 2.2 * len(stages) + 0.6))
        axes = list(fig.subplots(len(stages), 1, sharex=True, squeeze=False)[:, 0])
    elif len(axes) != len(stages):
        raise EventCodecError(f"{len(axes)} axes for {len(stages)} stages")
    fig = axes[0].get_figure()  # type: ignore[assignment]
    assert fig is not None
    specs = {s: db_spectrogram(audio[s], N_FFT, HOP) for s in stages}
    ref = max(float(s.max()) for s in specs.values())
    mesh = None
    for ax, name in zip(axes, stages, strict=True):
        spec = np.maximum(specs[name] - ref, FLOOR_DB)
        t_s = np.arange(spec.shape[1] + 1) * HOP / sr
        f_hz = np.maximum(np.arange(spec.shape[0] + 1) - 0.5, 0.5) * sr / N_FFT
        mesh = ax.pcolormesh(t_s, f_hz, spec, cmap="magma", vmin=FLOOR_DB, vmax=0, shading="flat",
                             rasterized=True)
        ax.set_yscale("log")
        ax.set_ylim(MIN_HZ, sr / 2)
        ax.set_ylabel("frequency (Hz)")
        ax.set_title(STAGE_TITLES[name], fontsize=9, loc="left")
    axes[-1].set_xlabel("time from the event's onset (s)")
    if mesh is not None:
        fig.colorbar(mesh, ax=list(axes), label="level (dB re loudest stage)", shrink=0.8)
    i = index % len(events)
    fig.suptitle(title or f"event {i} at {events.times[i] / sr:.3f} s through the decoder")
    return fig  # type: ignore[return-value]
