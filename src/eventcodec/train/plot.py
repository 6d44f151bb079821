"""Loss curves from a training log (JSONL) as a PNG; matplotlib is imported lazily."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from eventcodec.fileio import write_atomic


def read_log(path: str | os.PathLike[str]) -> list[dict[str, float]]:
    """The JSON objects of a JSONL log, one per line (blank lines skipped)."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def plot_log(log_path: str | os.PathLike[str], png_path: str | os.PathLike[str], smooth: int = 20) -> None:
    """Plot every `loss*` column of the log against `step`, raw and as a running mean of `smooth` lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_log(log_path)
    fig, ax = plt.subplots(figsize=(7, 4))
    keys = sorted({k for r in rows for k in r if k.startswith("loss")})
    for key in keys:
        pts = [(r["step"], r[key]) for r in rows if key in r]
        if key != "loss" and all(r.get(key) == r.get("loss") for r in rows):
            continue  # the only term: same curve as `loss`
        steps, values = [p[0] for p in pts], [p[1] for p in pts]
        line = ax.plot(steps, values, alpha=0.3, label=f"{key} (per log line)")[0]
        if len(values) >= smooth:
            kernel = [1.0 / smooth] * smooth
            avg = np.convolve(values, kernel, mode="valid")
            ax.plot(steps[smooth - 1 :], avg, color=line.get_color(), label=f"{key} (mean of {smooth})")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (-1 = residual fully explained)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    write_atomic(png_path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))
    plt.close(fig)
