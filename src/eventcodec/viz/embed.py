"""t-SNE embeddings of event vectors, scaled to [0, 1] per axis (robust to tiny event counts)."""

from __future__ import annotations

import numpy as np

from eventcodec.edit.neighbours import features

MAX_PERPLEXITY = 30.0
MIN_TSNE_POINTS = 5


def _unit_scale(x: np.ndarray) -> np.ndarray:
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi - lo > 1e-12, hi - lo, 1.0)
    return np.where(hi - lo > 1e-12, (x - lo) / span, 0.5)


def _pca(x: np.ndarray, n_components: int) -> np.ndarray:
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = centred @ vt[:n_components].T
    return np.pad(out, ((0, 0), (0, n_components - out.shape[1])))


def tsne(vectors: np.ndarray, n_components: int, space: str = "controls", seed: int = 0) -> np.ndarray:
    """Embed event vectors (n, 32) into (n, n_components) in [0, 1].

    Uses the weighted features of `edit.neighbours` (so near in the map means near by the
    neighbour distance). t-SNE with perplexity min(30, (n - 1) / 3) (always < n); with fewer than
    `MIN_TSNE_POINTS` events it falls back to PCA, and a single event sits at 0.5.
    """
    n = len(vectors)
    if n == 0:
        return np.zeros((0, n_components))
    x = features(np.asarray(vectors, dtype=np.float64).reshape(n, -1), space)
    if n < MIN_TSNE_POINTS:
        return _unit_scale(_pca(x, n_components))
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    perplexity = min(MAX_PERPLEXITY, (n - 1) / 3.0)
    model = TSNE(n_components=n_components, perplexity=perplexity, init="pca", learning_rate="auto",
                 random_state=seed, method="barnes_hut" if n_components < 4 else "exact")
    # one thread: a few hundred points need no more, and OpenMP spinning on a busy machine costs far more
    with threadpool_limits(limits=1):
        embedded = model.fit_transform(x)
    return _unit_scale(np.asarray(embedded, dtype=np.float64))


def rgb(vectors: np.ndarray, space: str = "controls", seed: int = 0) -> np.ndarray:
    """Colours (n, 3) in [0.1, 0.9] from a 3-D t-SNE: similar events get similar colours."""
    return 0.1 + 0.8 * tsne(vectors, 3, space, seed)
