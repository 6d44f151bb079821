"""Figures of EventSets (extra `[viz]`: matplotlib, scikit-learn; imported lazily by each function).

Every plot function takes an optional Matplotlib Axes (or a list of them) and returns the Figure.
"""

from eventcodec.viz.controls_view import plot_controls
from eventcodec.viz.event_map import plot_event_map
from eventcodec.viz.stages import plot_stages
from eventcodec.viz.timeline import plot_timeline

__all__ = ["plot_controls", "plot_event_map", "plot_stages", "plot_timeline"]
