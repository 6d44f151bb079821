"""The studio's event map: a t-SNE of the events whose cost is bounded, computed once per encode or opened
file; edits move, drop or keep points (`Session.push` with an origin) instead of embedding again."""

from __future__ import annotations

import numpy as np

from eventcodec.types import EventSet

MAX_TSNE_POINTS = 1000  # about 4 s of one CPU; 5,000 points took 56 s


def event_map(events: EventSet, max_points: int = MAX_TSNE_POINTS) -> np.ndarray:
    """(n_events, 2) points in [0, 1]: near points are near by the neighbour distance (`edit.neighbours`).

    At most `max_points` events (evenly spread over the set's order) are embedded; each other event
    sits on the point of its nearest embedded event, so one request costs at most one bounded t-SNE.
    """
    from eventcodec.edit.neighbours import features
    from eventcodec.viz.embed import tsne

    n = len(events)
    if n <= max_points:
        return tsne(events.vectors, 2, events.space, seed=0)
    picked = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    xy = np.empty((n, 2))
    xy[picked] = tsne(events.vectors[picked], 2, events.space, seed=0)
    rest = np.setdiff1d(np.arange(n), picked)
    f = features(np.asarray(events.vectors, dtype=np.float64), events.space)
    a, b = f[rest], f[picked]
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2.0 * a @ b.T  # (n_rest, n_picked)
    xy[rest] = xy[picked[np.argmin(d2, axis=1)]]
    return xy
