"""Controls view: one event's 32 controls as bars (position in each range), labelled with units."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from eventcodec import controls
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet
from eventcodec.viz._mpl import axes_or_new

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# (first control of the group, label, colour): the synth's stages, in table order
GROUPS = (
    ("amp_db", "level/timing", "tab:gray"),
    ("attack_s", "excitation", "tab:orange"),
    ("f0_hz", "resonance", "tab:blue"),
    ("morph_f0_ratio", "mix over time", "tab:purple"),
    ("body_hz", "body", "tab:brown"),
    ("room_id", "room", "tab:green"),
    ("seed", "noise seed", "tab:olive"),
)


def _format(value: float, unit: str) -> str:
    text = f"{value:.3g}" if abs(value) >= 1e-3 or value == 0 else f"{value:.2e}"
    return f"{text} {unit}" if unit and unit != "index" else text


def _room_suffix(name: str, value: float) -> str:
    if name != "room_id":
        return ""
    from eventcodec.edit.ops import room_names

    names = room_names()
    i = round(value)
    return f" ({names[i]})" if 0 <= i < len(names) else ""


def _group_colours() -> list[str]:
    starts = {controls.index_of(name): colour for name, _, colour in GROUPS}
    colours, current = [], "tab:gray"
    for i in range(controls.N_CONTROLS):
        current = starts.get(i, current)
        colours.append(current)
    return colours


def plot_controls(
    events: EventSet,
    index: int,
    reference: EventSet | None = None,
    reference_index: int | None = None,
    ax: Axes | None = None,
    title: str | None = None,
) -> Figure:
    """Bars of event `index`'s controls, normalised to each control's range, with physical values.

    Args:
        events: a controls-space set.
        index: which event.
        reference: optional set holding an event to compare with (drawn as black outlines).
        reference_index: that event's index.
        ax: where to draw (None: a new figure).
        title: figure title (None: a default).

    Raises:
        EventCodecError: a latent set or an index out of range.
    """
    if events.space != "controls":
        raise EventCodecError("the controls view needs an event set in the controls space")
    if not -len(events) <= index < len(events):
        raise EventCodecError(f"event index {index} out of range (the set has {len(events)} events)")
    fig, ax = axes_or_new(ax, (9, 10))
    u = events.vectors[index].astype(np.float64)
    phys = controls.to_physical(u)
    y = np.arange(controls.N_CONTROLS)
    ax.barh(y, u, color=_group_colours(), alpha=0.85, height=0.7)
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(color=colour, label=label) for _, label, colour in GROUPS]
    if reference is not None and reference_index is not None:
        handles.append(ax.barh(y, reference.vectors[reference_index], fill=False, edgecolor="black", height=0.7,
                               linewidth=1.0, label=f"reference event {reference_index}"))
    for i, c in enumerate(controls.CONTROLS):
        ax.text(1.02, i, _format(phys[i], c.unit) + _room_suffix(c.name, phys[i]), va="center", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=0.6)
    ax.set_yticks(y, [f"{c.name} [{c.unit}]" if c.unit else c.name for c in controls.CONTROLS], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.3)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["min", "", "mid", "", "max"])
    ax.set_xlabel("position in the control's range (log scale for log controls); value printed in its unit")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="synth stage")
    t_s = events.times[index] / events.sample_rate
    ax.set_title(title or f"event {index} at {t_s:.3f} s: controls")
    return fig
