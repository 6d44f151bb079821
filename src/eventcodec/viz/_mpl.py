"""Lazy Matplotlib access without pyplot's global state (figures are plain `Figure` objects)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from eventcodec.errors import EventCodecError
from eventcodec.fileio import write_atomic

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FORMATS = ("png", "svg", "pdf")


def _figure_class() -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise EventCodecError("plots need matplotlib: pip install 'eventcodec[viz]'") from None
    return Figure


def figure(figsize: tuple[float, float]) -> Figure:
    """A new stand-alone Figure (no pyplot, no GUI backend)."""
    fig: Figure = _figure_class()(figsize=figsize, layout="constrained")
    return fig


def axes_or_new(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The given Axes and its Figure, or a new Figure with one Axes."""
    if ax is not None:
        fig = ax.get_figure()
        assert fig is not None
        return fig, ax  # type: ignore[return-value]
    fig = figure(figsize)
    return fig, fig.add_subplot(1, 1, 1)


def save(fig: Figure, path: str | os.PathLike[str], dpi: int = 130) -> None:
    """Save atomically as PNG/SVG/PDF, chosen by the file suffix.

    Raises:
        EventCodecError: another suffix, or the folder cannot be written.
    """
    fmt = os.fspath(path).rsplit(".", 1)[-1].lower() if "." in os.fspath(path) else ""
    if fmt not in FORMATS:
        raise EventCodecError(f"cannot write {path}: use a .png, .svg or .pdf file name")
    write_atomic(path, lambda tmp: fig.savefig(tmp, format=fmt, dpi=dpi))
