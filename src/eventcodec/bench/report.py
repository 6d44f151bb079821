"""Turn benchmark rows into results.json, results.csv, a markdown table and a rate-distortion plot."""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from eventcodec.bench.run import Row
from eventcodec.fileio import write_atomic, write_bytes_atomic

KBPS_TICKS = (0.75, 1.5, 3, 6, 12, 24, 48)


@dataclass(frozen=True)
class Summary:
    """One system over all clips: means over the clips where it succeeded.

    Speeds are total audio seconds / total wall seconds; memory is the largest peak over the clips.
    """

    system: str
    family: str
    n_ok: int
    n_failed: int
    errors: tuple[str, ...]
    kbps: float | None
    st_corr: float | None
    st_corr_sd: float | None
    fs_corr: float | None
    visqol: float | None
    visqol_failed: int
    mrstft: float | None
    level_db: float | None  # mean |decode - input| integrated loudness, dB
    enc_x_realtime: float | None
    dec_x_realtime: float | None
    enc_peak_mb: float | None
    dec_peak_mb: float | None


def _mean(values: Sequence[float | None]) -> float | None:
    v = [x for x in values if x is not None]
    return statistics.fmean(v) if v else None


def _ratio(num: Sequence[float | None], den: Sequence[float | None]) -> float | None:
    pairs = [(a, b) for a, b in zip(num, den, strict=True) if a is not None and b]
    return sum(a for a, _ in pairs) / sum(b for _, b in pairs if b) if pairs else None


def summarize(rows: Sequence[Row]) -> list[Summary]:
    """One Summary per system, in first-seen order."""
    out = []
    for name in dict.fromkeys(r.system for r in rows):
        rs = [r for r in rows if r.system == name]
        ok = [r for r in rs if r.status == "ok"]
        st = [r.st_corr for r in ok if r.st_corr is not None]
        out.append(Summary(
            system=name, family=rs[0].family, n_ok=len(ok), n_failed=len(rs) - len(ok),
            errors=tuple(dict.fromkeys(f"{r.clip}: {r.error}" for r in rs if r.status != "ok")),
            kbps=_mean([r.kbps for r in ok]), st_corr=_mean(st),
            st_corr_sd=statistics.stdev(st) if len(st) > 1 else None, fs_corr=_mean([r.fs_corr for r in ok]),
            visqol=_mean([r.visqol for r in ok]), visqol_failed=sum(r.visqol is None for r in ok),
            mrstft=_mean([r.mrstft for r in ok]),
            level_db=_mean([abs(x) for r in ok if (x := getattr(r, "level_db", None)) is not None]),
            enc_x_realtime=_ratio([r.duration_s for r in ok], [r.enc_wall_s for r in ok]),
            dec_x_realtime=_ratio([r.duration_s for r in ok], [r.dec_wall_s for r in ok]),
            enc_peak_mb=max((r.enc_peak_mb for r in ok if r.enc_peak_mb is not None), default=None),
            dec_peak_mb=max((r.dec_peak_mb for r in ok if r.dec_peak_mb is not None), default=None),
        ))
    return out


def _f(x: float | None, fmt: str) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)


def markdown_table(summaries: Sequence[Summary]) -> str:
    """The results table: one line per system; failed systems stay in it, marked FAILED.

    FS-corr reads "–" for rows of older results that lack it.
    """
    head = ("| system | kbps | ST-corr ↑ | FS-corr ↑ | ViSQOL ↑ | MR-STFT ↓ | level dB ↓ | encode ×RT "
            "| decode ×RT | enc peak MiB | dec peak MiB | clips ok |\n|---|" + "---:|" * 11 + "\n")
    lines = []
    for s in summaries:
        total = s.n_ok + s.n_failed
        if s.n_ok == 0:
            lines.append(f"| {s.system} | FAILED | FAILED | FAILED | FAILED | FAILED | – | – | – | – | – | 0/{total} |")
            continue
        st = _f(s.st_corr, ".3f") + (f" ± {s.st_corr_sd:.2f}" if s.st_corr_sd is not None else "")
        vq = "FAILED" if s.visqol is None else _f(s.visqol, ".2f")
        anchor = s.family == "anchor"
        lines.append(
            f"| {s.system} | {'–' if anchor else _f(s.kbps, '.2f')} | {st} | {_f(s.fs_corr, '.3f')} | {vq} "
            f"| {_f(s.mrstft, '.3f')} | {_f(s.level_db, '.2f')} | {_f(s.enc_x_realtime, '.2f')} "
            f"| {_f(s.dec_x_realtime, '.1f')} "
            f"| {_f(s.enc_peak_mb, '.0f')} | {_f(s.dec_peak_mb, '.0f')} | {s.n_ok}/{total} |")
    failures = [f"- **{s.system}**: {e}" for s in summaries for e in s.errors]
    text = head + "\n".join(lines) + "\n"
    if failures:
        text += "\nFailures:\n\n" + "\n".join(failures[:60]) + "\n"
    return text


def write_rows(out_dir: Path, rows: Sequence[Row], meta: dict[str, Any]) -> None:
    """results.json (meta + every row) and results.csv (one line per clip x system), atomically."""
    payload = {"meta": meta, "rows": [r.to_json() for r in rows]}
    write_bytes_atomic(out_dir / "results.json", (json.dumps(payload, indent=1) + "\n").encode())
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=[f.name for f in fields(Row)], lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r.to_json())
    write_bytes_atomic(out_dir / "results.csv", buf.getvalue().encode())


def plot_rate_distortion(path: Path, summaries: Sequence[Summary], title: str) -> None:
    """Quality vs kbps, one curve per family (ST-corr, FS-corr, ViSQOL, MR-STFT panels); anchors as dashed lines."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = (("st_corr", "ST-corr (higher is better)"), ("fs_corr", "FS-corr (higher is better)"),
               ("visqol", "ViSQOL MOS-LQO (higher is better)"), ("mrstft", "MR-STFT distance (lower is better)"))
    fig, grid = plt.subplots(2, 2, figsize=(14, 10))
    axes = grid.ravel()
    families = list(dict.fromkeys(s.family for s in summaries if s.family != "anchor"))
    for ax, (key, label) in zip(axes, metrics, strict=True):
        for fam in families:
            pts = sorted((s.kbps, getattr(s, key)) for s in summaries
                         if s.family == fam and s.kbps is not None and getattr(s, key) is not None)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=fam)
        for i, s in enumerate(x for x in summaries if x.family == "anchor"):
            v = getattr(s, key)
            if v is not None:
                ax.axhline(v, ls="--", color=f"C{7 + i}", lw=1, label=s.system)
        ax.set_xscale("log")
        ax.set_xticks(KBPS_TICKS, [f"{t:g}" for t in KBPS_TICKS])
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("bitrate (kbps, measured from file size)")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(title)
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)
