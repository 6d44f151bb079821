"""The event list as CSV: one row per event, controls in physical units (column names carry units)."""

from __future__ import annotations

import csv
import io
import os

import numpy as np

from eventcodec import controls
from eventcodec.edit.pitched import midi_note, pitched_mask
from eventcodec.fileio import write_atomic
from eventcodec.types import EventSet


def header(events: EventSet) -> list[str]:
    """Column names: index, time_s, time_samples, then pitched/midi_note and the 32 controls (or v0..v31)."""
    base = ["index", "time_s", "time_samples"]
    if events.space == "controls":
        return [*base, "pitched", "midi_note", *controls.NAMES]
    return [*base, *(f"v{i}" for i in range(events.vectors.shape[1]))]


def rows(events: EventSet) -> list[list[str]]:
    """Formatted rows (n_events lists of strings), in time order; `midi_note` is empty when unpitched."""
    time_s = events.times / events.sample_rate
    out: list[list[str]] = []
    if events.space == "controls":
        phys = controls.to_physical(events.vectors)
        pitched = pitched_mask(events)
        notes = midi_note(phys[:, controls.index_of("f0_hz")])
        for i in range(len(events)):
            note = str(int(notes[i])) if pitched[i] else ""
            out.append([str(i), f"{time_s[i]:.6f}", str(int(events.times[i])), str(int(pitched[i])), note,
                        *(f"{v:.6g}" for v in phys[i])])
    else:
        for i in range(len(events)):
            out.append([str(i), f"{time_s[i]:.6f}", str(int(events.times[i])),
                        *(f"{v:.6g}" for v in np.asarray(events.vectors[i], dtype=np.float64))])
    return out


def to_csv_text(events: EventSet) -> str:
    """The whole CSV document as a string."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header(events))
    writer.writerows(rows(events))
    return buf.getvalue()


def write_csv(events: EventSet, path: str | os.PathLike[str]) -> None:
    """Write the CSV atomically (UTF-8)."""
    text = to_csv_text(events)

    def _write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    write_atomic(path, _write)
