"""Timeline: events over the input's spectrogram (x time, y 1-D t-SNE, colour 3-D t-SNE, length audible)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from eventcodec.spectral import HOP, N_FFT
from eventcodec.types import EventSet
from eventcodec.viz._mpl import axes_or_new
from eventcodec.viz.embed import rgb, tsne
from eventcodec.viz.spectrogram import log_spectrogram

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MIN_HZ = 40.0
BACKGROUND_FLOOR_DB = -70.0  # a lighter background than the spectrogram floor, so the events stand out


def plot_timeline(
    events: EventSet,
    audio: np.ndarray | None = None,
    durations_s: np.ndarray | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    seed: int = 0,
) -> Figure:
    """Draw each event as a bar from its onset over its audible duration, on top of a spectrogram.

    Args:
        events: the set to draw.
        audio: (n_samples,) mono audio at the set's rate for the background (None: no background).
        durations_s: (n_events,) audible duration of each event in seconds (None: from the synth).
        ax: where to draw (None: a new figure).
        title: figure title (None: a default).
        seed: t-SNE seed.

    Returns:
        The Figure: frequency (Hz) on the left axis, the 1-D t-SNE position on the right axis.
    """
    fig, ax = axes_or_new(ax, (12, 5))
    sr = events.sample_rate
    duration_s = max(events.duration_s, (len(audio) / sr) if audio is not None else 0.0, 1e-3)
    if audio is not None:
        spec = log_spectrogram(audio)
        t_s = np.arange(spec.shape[1] + 1) * HOP / sr
        f_hz = np.maximum(np.arange(spec.shape[0] + 1) - 0.5, 0.5) * sr / N_FFT
        mesh = ax.pcolormesh(t_s, f_hz, spec, cmap="Greys", vmin=BACKGROUND_FLOOR_DB, vmax=0, shading="flat",
                             rasterized=True)
        fig.colorbar(mesh, ax=ax, label="input level (dB re max)", pad=0.08)
    ax.set_yscale("log")
    ax.set_xlim(0, duration_s)
    ax.set_ylim(MIN_HZ, sr / 2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz, log), input spectrogram")
    ax2 = ax.twinx()
    ax2.set_ylim(-0.05, 1.05)
    ax2.set_ylabel("event position: 1-D t-SNE of its vector")
    if len(events):
        if durations_s is None:
            from eventcodec.edit.durations import audible_durations_s

            durations_s = audible_durations_s(events)
        y = tsne(events.vectors, 1, events.space, seed)[:, 0]
        colours = rgb(events.vectors, events.space, seed)
        onsets_s = events.times / sr
        ends_s = onsets_s + np.asarray(durations_s, dtype=np.float64)
        ax2.hlines(y, onsets_s, ends_s, colors=[tuple(c) for c in colours], linewidth=2.5, alpha=0.85,
                   label="event: onset to end of its audible duration")
        ax2.scatter(onsets_s, y, c=colours, s=18, edgecolors="black", linewidths=0.4, zorder=3,
                    label="onset (colour: 3-D t-SNE, similar colour = similar event)")
        ax2.legend(loc="upper right", fontsize=8, framealpha=0.85)
    ax.set_title(title or f"{len(events)} events over {duration_s:.2f} s")
    return fig
