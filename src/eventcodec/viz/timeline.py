"""Timeline: events over the input's spectrogram (x time, length audible, colour 3-D t-SNE).

Two views: "pitch" (default) draws each event on the spectrogram's frequency axis, pitched events at their
`f0_hz` and the others at the centre of their noise band (geometric mean of its edges), so the events sit on
the sound they explain; "tsne" is the paper's Fig. 1, the height of each event its 1-D t-SNE position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

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
View = Literal["pitch", "tsne"]
VIEWS: tuple[View, ...] = ("pitch", "tsne")


def event_heights_hz(events: EventSet) -> tuple[np.ndarray, np.ndarray]:
    """Where each event sounds, (n_events,) Hz: `f0_hz` of pitched events (`edit.pitched`), the geometric
    centre of the noise band of the others; and the pitched mask (n_events,) bool.

    Raises:
        EventCodecError: a latent-space set (it has no controls).
    """
    from eventcodec.controls import index_of, to_physical
    from eventcodec.edit.pitched import pitched_mask

    pitched = pitched_mask(events)
    p = to_physical(events.vectors)
    noise_centre_hz = np.sqrt(p[:, index_of("noise_lowpass_hz")] * p[:, index_of("noise_highpass_hz")])
    return np.where(pitched, p[:, index_of("f0_hz")], noise_centre_hz), pitched


def plot_timeline(
    events: EventSet,
    audio: np.ndarray | None = None,
    durations_s: np.ndarray | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    seed: int = 0,
    view: View = "pitch",
) -> Figure:
    """Draw each event as a bar from its onset over its audible duration, on top of a spectrogram.

    Args:
        events: the set to draw.
        audio: (n_samples,) mono audio at the set's rate for the background (None: no background).
        durations_s: (n_events,) audible duration of each event in seconds (None: from the synth).
        ax: where to draw (None: a new figure).
        title: figure title (None: a default).
        seed: t-SNE seed.
        view: "pitch": events at the frequency they sound at, on the spectrogram's axis; "tsne": the paper's
            Fig. 1, events at their 1-D t-SNE position on a right-hand axis.

    Returns:
        The Figure: frequency (Hz) on the left axis (and in "tsne" the 1-D t-SNE position on the right).

    Raises:
        EventCodecError: the "pitch" view of a latent-space set, or an unknown view.
    """
    from eventcodec.errors import EventCodecError

    if view not in VIEWS:
        raise EventCodecError(f"unknown timeline view {view!r}; choose one of {', '.join(VIEWS)}")
    if view == "pitch" and events.space != "controls":
        raise EventCodecError("the pitch view needs controls; this set is latent: use the tsne view")
    fig, ax = axes_or_new(ax, (12, 5))
    sr = events.sample_rate
    duration_s = max(events.duration_s, (len(audio) / sr) if audio is not None else 0.0, 1e-3)
    if audio is not None:
        spec = log_spectrogram(audio)
        t_s = np.arange(spec.shape[1] + 1) * HOP / sr
        f_hz = np.maximum(np.arange(spec.shape[0] + 1) - 0.5, 0.5) * sr / N_FFT
        mesh = ax.pcolormesh(t_s, f_hz, spec, cmap="Greys", vmin=BACKGROUND_FLOOR_DB, vmax=0, shading="flat",
                             rasterized=True)
        fig.colorbar(mesh, ax=ax, label="input level (dB re max)", pad=0.08 if view == "tsne" else 0.02)
    ax.set_yscale("log")
    ax.set_xlim(0, duration_s)
    ax.set_ylim(MIN_HZ, sr / 2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("frequency (Hz, log), input spectrogram")
    target = ax
    if view == "tsne":
        target = ax.twinx()
        target.set_ylim(-0.05, 1.05)
        target.set_ylabel("event position: 1-D t-SNE of its vector")
    if len(events):
        if durations_s is None:
            from eventcodec.edit.durations import audible_durations_s

            durations_s = audible_durations_s(events)
        pitched = np.ones(len(events), bool)
        if view == "tsne":
            y = tsne(events.vectors, 1, events.space, seed)[:, 0]
        else:
            y, pitched = event_heights_hz(events)
            y = np.clip(y, MIN_HZ, sr / 2)
        colours = rgb(events.vectors, events.space, seed)
        onsets_s = events.times / sr
        ends_s = onsets_s + np.asarray(durations_s, dtype=np.float64)
        target.hlines(y, onsets_s, ends_s, colors=[tuple(c) for c in colours], linewidth=2.5, alpha=0.85,
                      label="event: onset to end of its audible duration")
        for marks, marker, what in ((pitched, "o", "pitched, at f0_hz" if view == "pitch" else ""),
                                    (~pitched, "D", "unpitched, at its noise band's centre")):
            if marks.any():
                target.scatter(onsets_s[marks], y[marks], c=colours[marks], s=18, marker=marker,
                               edgecolors="black", linewidths=0.4, zorder=3,
                               label=f"onset{': ' + what if what else ''} (colour: 3-D t-SNE, similar colour = "
                               "similar event)")
        target.legend(loc="upper right", fontsize=8, framealpha=0.85)
    ax.set_title(title or f"{len(events)} events over {duration_s:.2f} s")
    return fig
