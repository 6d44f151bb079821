"""Loss curves from a training log (JSONL) as a PNG; matplotlib is imported lazily."""

from __future__ import annotations

import json
import os
from pathlib import Path

from eventcodec.fileio import write_atomic


def read_log(path: str | os.PathLike[str]) -> list[dict[str, float]]:
    """The JSON objects of a JSONL log, one per line (blank lines skipped)."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def plot_log(log_path: str | os.PathLike[str], png_path: str | os.PathLike[str]) -> None:
    """Plot every numeric `loss*` column of the log against `step`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_log(log_path)
    fig, ax = plt.subplots(figsize=(7, 4))
    keys = sorted({k for r in rows for k in r if k.startswith("loss")})
    for key in keys:
        pts = [(r["step"], r[key]) for r in rows if key in r]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=key)
    ax.set_xlabel("step")
    ax.set_ylabel("loss (-1 = residual fully explained)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    write_atomic(png_path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
