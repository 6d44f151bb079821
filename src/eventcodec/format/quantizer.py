"""Per-column uniform quantizer for event vectors, exact on its own grid.

Column j with `bits[j] = b > 0` maps a value v in [lo_j, hi_j] to the integer
q = round((v - lo_j) / (hi_j - lo_j) * (2**b - 1)), and back to float32(lo_j + q / (2**b - 1) * (hi_j - lo_j)).
`bits[j] = 0` stores nothing: the column is the constant lo_j (== hi_j). On the grid the round trip is exact:
quantize(dequantize(q)) == q, which makes EventSet -> bytes -> EventSet -> bytes byte-identical.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eventcodec.errors import FormatError

VECTOR_SIZE = 32
MAX_BITS = 16
DEFAULT_BITS = 8
# controls are normalised to [0, 1]; values a hair outside (float error) are clipped, further is an error
_CONTROLS_TOLERANCE = 1e-4
# a latent column's range must dwarf float32 rounding at its magnitude for the grid to be exact
_MIN_REL_RANGE = 2.0**-6


@dataclass(frozen=True)
class Quantizer:
    """Bits and range of each of the 32 columns.

    Attributes:
        bits: (32,) bits per column, 0..16; 0 means the column is the constant `lo`.
        lo: (32,) float32-representable lower ends.
        hi: (32,) float32-representable upper ends (== lo where bits is 0).
    """

    bits: tuple[int, ...]
    lo: tuple[float, ...]
    hi: tuple[float, ...]

    def __post_init__(self) -> None:
        if not (len(self.bits) == len(self.lo) == len(self.hi) == VECTOR_SIZE):
            raise FormatError(f"quantizer must describe {VECTOR_SIZE} columns")
        for j, (b, lo, hi) in enumerate(zip(self.bits, self.lo, self.hi, strict=True)):
            if not (isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= MAX_BITS):
                raise FormatError(f"quantizer bits[{j}] must be an integer in 0..{MAX_BITS}, got {b!r}")
            if not (np.isfinite(lo) and np.isfinite(hi) and float(np.float32(lo)) == lo
                    and float(np.float32(hi)) == hi):
                raise FormatError(f"quantizer range of column {j} must be finite float32 values")
            if b == 0 and lo != hi:
                raise FormatError(f"quantizer column {j} has 0 bits but lo != hi")
            too_narrow = hi <= lo or hi - lo < _MIN_REL_RANGE * max(abs(lo), abs(hi))
            if b > 0 and too_narrow:
                raise FormatError(f"quantizer column {j} has an empty or too narrow range [{lo}, {hi}]")

    @property
    def levels(self) -> np.ndarray:
        """(32,) int64 largest code of each column (2**bits - 1; 0 for constant columns)."""
        return (np.int64(1) << np.asarray(self.bits, dtype=np.int64)) - 1

    def quantize(self, vectors: np.ndarray) -> np.ndarray:
        """Float vectors (n, 32) -> integer codes (n, 32) int64, clipped to each column's range."""
        v = np.asarray(vectors, dtype=np.float64).reshape(-1, VECTOR_SIZE)
        lo, hi, levels = np.asarray(self.lo), np.asarray(self.hi), self.levels
        span = np.where(levels > 0, hi - lo, 1.0)
        q = np.rint((np.clip(v, lo, hi) - lo) / span * levels)
        return q.astype(np.int64)

    def dequantize(self, codes: np.ndarray) -> np.ndarray:
        """Integer codes (n, 32) -> float32 vectors (n, 32)."""
        q = np.asarray(codes, dtype=np.float64).reshape(-1, VECTOR_SIZE)
        lo, hi, levels = np.asarray(self.lo), np.asarray(self.hi), self.levels
        frac = q / np.where(levels > 0, levels, 1)
        return (lo + frac * (hi - lo)).astype(np.float32)

    def max_error(self) -> np.ndarray:
        """(32,) largest |dequantize(quantize(v)) - v| for v in range: half a step (plus float32 rounding)."""
        levels = self.levels
        step = np.where(levels > 0, (np.asarray(self.hi) - np.asarray(self.lo)) / np.maximum(levels, 1), 0.0)
        return step / 2 + np.abs(np.asarray(self.hi)) * 2.0**-23

    def fits(self, vectors: np.ndarray) -> bool:
        """True when every value lies on this quantizer's grid (so re-encoding loses nothing)."""
        v = np.asarray(vectors, dtype=np.float32).reshape(-1, VECTOR_SIZE)
        return bool(np.array_equal(self.dequantize(self.quantize(v)), v))

    def reference_codes(self, space: str) -> np.ndarray:
        """(32,) int64 codes of the values a column most often holds: controls' defaults, or 0 for latents."""
        if space == "controls":
            from eventcodec.controls import default_unit_vector

            return self.quantize(default_unit_vector()[None])[0]
        return self.quantize(np.zeros((1, VECTOR_SIZE)))[0]

    def to_json(self) -> dict[str, Any]:
        """Compact header form: `bits` is one int when all columns agree; `lo`/`hi` are left out when they are
        the controls-space ranges those bits imply."""
        obj: dict[str, Any] = {"bits": self.bits[0] if len(set(self.bits)) == 1 else list(self.bits)}
        if self != controls_quantizer(self.bits):
            obj["lo"], obj["hi"] = list(self.lo), list(self.hi)
        return obj

    @staticmethod
    def from_json(obj: object) -> Quantizer:
        """Validate and build from the header form; FormatError on anything malformed."""
        if not isinstance(obj, dict) or not ({"bits"} <= set(obj) <= {"bits", "lo", "hi"}) or len(obj) == 2:
            raise FormatError("quantizer must be an object with keys bits (and lo, hi)")
        bits = obj["bits"]
        if isinstance(bits, int) and not isinstance(bits, bool):
            bits = [bits] * VECTOR_SIZE
        if not isinstance(bits, list) or len(bits) != VECTOR_SIZE or not all(
                isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= MAX_BITS for b in bits):
            raise FormatError(f"quantizer bits must be integers in 0..{MAX_BITS}, one or {VECTOR_SIZE} of them")
        if "lo" not in obj:
            return controls_quantizer(bits)
        ends = []
        for key in ("lo", "hi"):
            val = obj[key]
            if not isinstance(val, list) or len(val) != VECTOR_SIZE or not all(
                    isinstance(x, int | float) and not isinstance(x, bool) for x in val):
                raise FormatError(f"quantizer {key} must be a list of {VECTOR_SIZE} numbers")
            try:
                ends.append(tuple(float(x) for x in val))
            except OverflowError:
                raise FormatError(f"quantizer {key} holds a number beyond float range") from None
        return Quantizer(tuple(bits), ends[0], ends[1])


def _f32_down(x: float) -> float:
    f = np.float32(x)
    return float(f if f <= x else np.nextafter(f, np.float32(-np.inf)))


def _f32_up(x: float) -> float:
    f = np.float32(x)
    return float(f if f >= x else np.nextafter(f, np.float32(np.inf)))


def expand_bits(bits: int | Sequence[int] | Mapping[str, int] | None) -> tuple[int, ...]:
    """Bits per column from an int (all columns), a 32-list, or {control name: bits} (others default)."""
    if bits is None:
        return (DEFAULT_BITS,) * VECTOR_SIZE
    if isinstance(bits, int):
        return (int(bits),) * VECTOR_SIZE
    if isinstance(bits, Mapping):
        from eventcodec.controls import index_of

        out = [DEFAULT_BITS] * VECTOR_SIZE
        for name, b in bits.items():
            out[index_of(name)] = int(b)
        return tuple(out)
    out_list = [int(b) for b in bits]
    if len(out_list) != VECTOR_SIZE:
        raise FormatError(f"bits must list {VECTOR_SIZE} values, got {len(out_list)}")
    return tuple(out_list)


# Pitch needs finer steps than the rest: at 8 bits f0_hz moves 34 cents per code (A0..C8 on a log
# scale), enough to put the 10th partial of a note between two of the real one's; 12 bits is 2 cents.
CONTROLS_BITS: dict[str, int] = {"f0_hz": 12}


def controls_quantizer(bits: int | Sequence[int] | Mapping[str, int] | None = None) -> Quantizer:
    """Quantizer for the controls space: [0, 1] per column; 0 bits pins a column to its default.

    `bits`: an int for every column, 32 ints, or {control name: bits} over the defaults (8 bits, f0_hz 12).
    """
    from eventcodec.controls import default_unit_vector

    b = expand_bits({**CONTROLS_BITS, **bits} if isinstance(bits, Mapping) else CONTROLS_BITS if bits is None
                    else bits)
    default = default_unit_vector()
    lo = tuple(float(default[j]) if b[j] == 0 else 0.0 for j in range(VECTOR_SIZE))
    hi = tuple(float(default[j]) if b[j] == 0 else 1.0 for j in range(VECTOR_SIZE))
    return Quantizer(b, lo, hi)


def latent_quantizer(vectors: np.ndarray, bits: int | Sequence[int] | Mapping[str, int] | None = None) -> Quantizer:
    """Quantizer for the latent space: each column's range is the data's min..max (widened when degenerate)."""
    b = list(expand_bits(bits))
    v = np.asarray(vectors, dtype=np.float32).reshape(-1, VECTOR_SIZE)
    lo_list, hi_list = [], []
    for j in range(VECTOR_SIZE):
        col = v[:, j]
        lo, hi = (float(col.min()), float(col.max())) if len(col) else (0.0, 0.0)
        if b[j] == 0:
            lo = hi = float(np.float32((lo + hi) / 2))
        else:
            need = max(_MIN_REL_RANGE * 2 * max(abs(lo), abs(hi)), 2.0**-20)
            if hi - lo < need:
                mid = (lo + hi) / 2
                lo, hi = mid - need / 2, mid + need / 2
            lo, hi = _f32_down(lo), _f32_up(hi)
        lo_list.append(lo)
        hi_list.append(hi)
    return Quantizer(tuple(b), tuple(lo_list), tuple(hi_list))


def check_controls_range(vectors: np.ndarray) -> np.ndarray:
    """Controls-space vectors clipped to [0, 1]; FormatError when a value is clearly out of range."""
    v = np.asarray(vectors, dtype=np.float32)
    if len(v) and (v.min() < -_CONTROLS_TOLERANCE or v.max() > 1 + _CONTROLS_TOLERANCE):
        raise FormatError(f"controls must be normalised to [0, 1]; found values in [{v.min():.4g}, {v.max():.4g}]")
    return np.clip(v, 0.0, 1.0)
