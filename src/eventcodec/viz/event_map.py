"""Map: a 2-D t-SNE of the events of one or many files (near = similar by the neighbour distance)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.viz._mpl import axes_or_new
from eventcodec.viz.embed import tsne

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

MARKERS = "o^sDvP*Xh<>p"


def plot_event_map(
    sets: Sequence[tuple[str, EventSet]],
    color_by: str | None = None,
    ax: Axes | None = None,
    title: str | None = None,
    seed: int = 0,
) -> Figure:
    """Scatter all events of `sets` on a 2-D t-SNE; marker = file, size = level.

    Args:
        sets: (name, EventSet) pairs, all in the same space.
        color_by: a control name (colour scale with a colourbar), "file", or None (the control
            "f0_hz" for one file, "file" for several).
        ax: where to draw (None: a new figure).
        title: figure title (None: a default).
        seed: t-SNE seed.

    Raises:
        EventCodecError: no events, mixed spaces, or an unknown control.
    """
    sets = [(n, s) for n, s in sets]
    if not sets or sum(len(s) for _, s in sets) == 0:
        raise EventCodecError("no events to map")
    spaces = {s.space for _, s in sets}
    if len(spaces) > 1:
        raise EventCodecError("cannot map event sets of different spaces together")
    space = spaces.pop()
    if color_by is None:
        color_by = "f0_hz" if len(sets) == 1 and space == "controls" else "file"
    if color_by != "file":
        controls.index_of(color_by)
        if space != "controls":
            raise EventCodecError("colouring by a control needs event sets in the controls space")
    fig, ax = axes_or_new(ax, (8, 7))
    vectors = np.concatenate([s.vectors for _, s in sets])
    xy = tsne(vectors, 2, space, seed)
    owner = np.concatenate([np.full(len(s), i) for i, (_, s) in enumerate(sets)])
    if space == "controls":
        amp_db = controls.to_physical(vectors)[:, controls.index_of("amp_db")]
        sizes = 8 + 80 * np.clip((amp_db + 60) / 60, 0, 1)
    else:
        sizes = np.full(len(vectors), 30.0)
    scatter = None
    for i, (name, _) in enumerate(sets):
        m = owner == i
        marker = MARKERS[i % len(MARKERS)]
        if color_by == "file":
            ax.scatter(xy[m, 0], xy[m, 1], s=sizes[m], marker=marker, alpha=0.75, label=name,
                       edgecolors="black", linewidths=0.3)
        else:
            c = controls.CONTROLS[controls.index_of(color_by)]
            values = controls.to_physical(vectors[m])[:, controls.index_of(color_by)]
            norm = _norm(c.scale, controls.to_physical(vectors)[:, controls.index_of(color_by)])
            scatter = ax.scatter(xy[m, 0], xy[m, 1], s=sizes[m], marker=marker, c=values, cmap="viridis",
                                 norm=norm, alpha=0.8, label=name, edgecolors="black", linewidths=0.3)
    if scatter is not None:
        c = controls.CONTROLS[controls.index_of(color_by)]
        fig.colorbar(scatter, ax=ax, label=f"{c.name} ({c.unit})" if c.unit else c.name)
    ax.legend(title="file (marker size = amp_db)", fontsize=8, loc="best")
    ax.set_xlabel("t-SNE 1")
    ax.set_ylabel("t-SNE 2")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"{len(vectors)} events from {len(sets)} file(s): near = similar")
    return fig


def _norm(scale: str, values: np.ndarray) -> Normalize:
    from matplotlib.colors import LogNorm, Normalize

    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1e-6
    return LogNorm(lo, hi) if scale == "log" and lo > 0 else Normalize(lo, hi)
