"""Editing EventSets: filter expressions, edit operations and nearest neighbours (see docs/editing.md)."""

from eventcodec.edit.expr import FilterError, evaluate, parse_filter
from eventcodec.edit.neighbours import Neighbour, nearest
from eventcodec.edit.ops import (
    ClipWarning,
    delete,
    gain,
    keep,
    mix,
    move,
    replace_vector,
    set_control,
    set_room,
    shift,
    slice_time,
    time_stretch,
    transpose,
)
from eventcodec.edit.pitched import pitched_mask

__all__ = [
    "ClipWarning",
    "FilterError",
    "Neighbour",
    "delete",
    "evaluate",
    "gain",
    "keep",
    "mix",
    "move",
    "nearest",
    "parse_filter",
    "pitched_mask",
    "replace_vector",
    "set_control",
    "set_room",
    "shift",
    "slice_time",
    "time_stretch",
    "transpose",
]
