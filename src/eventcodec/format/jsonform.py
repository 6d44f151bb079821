"""The JSON form of an EventSet (`eventcodec dump` / `undump`): readable, editable, exact.

Controls are written in their units under their names ("controls": {"f0_hz": 440.0, ...}), or normalised
under "unit_controls" (0..1); version 1 files held normalised values under "controls" and still read.
Values are the shortest decimals that read back to the same float32 (normalised) or float64 (units, from which
the same float32 is recomputed), so .evc -> JSON -> .evc reproduces the file byte for byte.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from eventcodec.errors import EventCodecError, FormatError
from eventcodec.format.quantizer import VECTOR_SIZE, Quantizer
from eventcodec.texture.grid import GRID, GRID_PLAIN, MASK_BINS, MAX_CODE, N_BANDS, Texture
from eventcodec.types import EventSet

JSON_FORMAT = "eventcodec-events"
JSON_VERSION = 2
READ_VERSIONS = (1, 2)  # version 1: "controls" held normalised values
_KEYS = {"format", "version", "sample_rate", "n_samples", "space", "model_hash", "quantizer", "meta", "events"}
_OPTIONAL = {"quantizer", "meta", "model_hash", "columns", "texture"}


def _short(x: np.float32) -> float:
    return float(str(x))


def eventset_to_json(events: EventSet, normalised: bool = False) -> dict[str, Any]:
    """JSON-able dict; controls-space events name their controls (in units, or 0..1 under "unit_controls" when
    `normalised`), latent ones hold a plain vector."""
    from eventcodec.controls import NAMES, to_physical

    rows: list[dict[str, Any]] = []
    units = events.space == "controls" and not normalised
    physical = to_physical(events.vectors).tolist() if units else None
    for i, (t, v) in enumerate(zip(events.times.tolist(), events.vectors, strict=True)):
        row: dict[str, Any] = {"time_samples": t, "time_s": round(t / events.sample_rate, 6)}
        if physical is not None:
            row["controls"] = dict(zip(NAMES, physical[i], strict=True))
        elif events.space == "controls":
            row["unit_controls"] = dict(zip(NAMES, [_short(x) for x in v], strict=True))
        else:
            row["vector"] = [_short(x) for x in v]
        rows.append(row)
    return {
        "format": JSON_FORMAT, "version": JSON_VERSION, "sample_rate": events.sample_rate,
        "n_samples": events.n_samples, "space": events.space, "model_hash": events.model_hash,
        "quantizer": events.quantizer.to_json() if events.quantizer is not None else None,
        "meta": events.meta, "events": rows,
        **({"texture": {**GRID, "codes": events.texture.codes.tolist(),
                        "mask_rows": ["".join(map(str, row)) for row in events.texture.mask.tolist()]}}
           if events.texture is not None else {}),
    }


def _texture(obj: Any) -> Texture | None:
    """The texture of the JSON form: its grid (this version's, with or without the mask), codes (n_frames, bands)
    and, on the masked grid, "mask_rows": strings of MASK_BINS '0'/'1' characters."""
    if obj is None:
        return None
    grid = {k: v for k, v in obj.items() if k not in ("codes", "mask_rows")} if isinstance(obj, dict) else None
    if grid not in (GRID, GRID_PLAIN) or ("mask_rows" in obj) != (grid == GRID):
        raise FormatError(f"texture must be an object with this grid: {GRID}, 'codes' and 'mask_rows'")
    codes = obj.get("codes")
    if not isinstance(codes, list) or not all(
        isinstance(row, list) and len(row) == N_BANDS
        and all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= MAX_CODE for c in row)
        for row in codes
    ):
        raise FormatError(f"texture codes must be a list of rows of {N_BANDS} integers in [0, {MAX_CODE}]")
    rows = obj.get("mask_rows", [])
    if not isinstance(rows, list) or not all(
        isinstance(row, str) and len(row) == MASK_BINS and set(row) <= {"0", "1"} for row in rows
    ):
        raise FormatError(f"texture mask must be a list of strings of {MASK_BINS} '0'/'1' characters")
    mask = np.array([[c == "1" for c in row] for row in rows], np.uint8).reshape(-1, MASK_BINS)
    try:
        return Texture(np.array(codes, dtype=np.uint8).reshape(-1, N_BANDS), mask)
    except EventCodecError as e:
        raise FormatError(str(e)) from None


def _vector(row: dict[str, Any], space: str, i: int, version: int) -> list[float]:
    from eventcodec.controls import INDEX, default_unit_vector, to_physical, to_unit

    keys = [k for k in ("vector", "controls", "unit_controls") if k in row]
    if len(keys) != 1 or (keys[0] != "vector" and space != "controls"):
        raise FormatError(f"event {i}: needs one of 'vector', 'controls' (in units) or 'unit_controls' (0..1) "
                          "(the last two in the controls space)")
    if keys[0] == "vector":
        vec = row["vector"]
        if not isinstance(vec, list) or len(vec) != VECTOR_SIZE:
            raise FormatError(f"event {i}: vector must be a list of {VECTOR_SIZE} numbers")
        values = vec
    else:
        named = row[keys[0]]
        if not isinstance(named, dict):
            raise FormatError(f"event {i}: {keys[0]} must be an object of name: value")
        unknown = sorted(set(named) - set(INDEX))
        if unknown:
            raise FormatError(f"event {i}: unknown controls {unknown}")
        in_units = keys[0] == "controls" and version >= 2
        values = default_unit_vector().tolist()  # a control left out keeps its default
        if in_units:
            values = to_physical(np.array(values)).tolist()
        for name, val in named.items():
            values[INDEX[name]] = val
            if in_units and _all_numbers([val]):
                _check_range(name, val, i)
        if in_units and _all_numbers(values):
            values = to_unit(np.array(values, dtype=np.float64)).tolist()  # clipped into the control's range
    if not _all_numbers(values):
        raise FormatError(f"event {i}: values must be finite numbers")
    return [float(x) for x in values]


def _check_range(name: str, value: float, i: int) -> None:
    from eventcodec.controls import CONTROLS, INDEX

    c = CONTROLS[INDEX[name]]
    slack = 1e-9 * max(abs(c.min), abs(c.max))  # the decimals of a bound read back a hair outside it
    if not c.min - slack <= value <= c.max + slack:
        raise FormatError(f"event {i}: {name} = {value:g} {c.unit} is outside {c.min:g}..{c.max:g}".rstrip())


def _all_numbers(values: list[Any]) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) and np.isfinite(x) for x in values)


def eventset_from_json(obj: Any) -> EventSet:
    """Inverse of `eventset_to_json`; FormatError on anything malformed. `time_s` is informational only."""
    if not isinstance(obj, dict):
        raise FormatError("event JSON must be an object")
    version = obj.get("version")
    if obj.get("format") != JSON_FORMAT or version not in READ_VERSIONS or isinstance(version, bool):
        raise FormatError(f"not {JSON_FORMAT} version {' or '.join(map(str, READ_VERSIONS))} JSON "
                          "(see `eventcodec dump`)")
    missing = sorted(_KEYS - _OPTIONAL - set(obj))
    if missing:
        raise FormatError(f"event JSON lacks {missing}")
    space = obj["space"]
    if space not in ("controls", "latent"):
        raise FormatError(f"space must be 'controls' or 'latent', got {space!r}")
    rate, n_samples = obj["sample_rate"], obj["n_samples"]
    for key, val in (("sample_rate", rate), ("n_samples", n_samples)):
        if not isinstance(val, int) or isinstance(val, bool) or val < (1 if key == "sample_rate" else 0):
            raise FormatError(f"{key} must be a non-negative integer")
    rows = obj["events"]
    if not isinstance(rows, list):
        raise FormatError("events must be a list")
    times, vectors = [], []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise FormatError(f"event {i} must be an object")
        t = row.get("time_samples")
        if not isinstance(t, int) or isinstance(t, bool) or t < 0:
            raise FormatError(f"event {i}: time_samples must be a non-negative integer")
        times.append(t)
        vectors.append(_vector(row, space, i, version))
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise FormatError("meta must be an object")
    model_hash = obj.get("model_hash") or ""
    if not isinstance(model_hash, str):
        raise FormatError("model_hash must be a string")
    q = obj.get("quantizer")
    quantizer = Quantizer.from_json(q) if q is not None else None
    try:
        return EventSet(np.array(times, dtype=np.int64), np.array(vectors, dtype=np.float32).reshape(-1, VECTOR_SIZE),
                        sample_rate=rate, n_samples=n_samples, space=space, model_hash=model_hash, meta=meta,
                        quantizer=quantizer, texture=_texture(obj.get("texture")))
    except OverflowError:
        raise FormatError("a value in the event JSON is out of range") from None
