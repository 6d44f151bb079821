"""The .evc JSON header: what the file holds, validated field by field before anything is allocated."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, cast

from eventcodec.errors import FormatError
from eventcodec.format.quantizer import Quantizer
from eventcodec.texture.grid import GRID, GRID_PLAIN
from eventcodec.types import Space

CHUNK_SAMPLES = 2**16
MAX_HEADER_BYTES = 2**20
MAX_SAMPLE_RATE = 768_000
MAX_N_SAMPLES = 2**40
MAX_HASH_CHARS = 256
MAX_EVENTS_PER_CHUNK = 2**16
_KEYS = {"sample_rate", "n_samples", "space", "model_hash", "chunk_samples", "n_chunks", "n_events",
         "quantizer", "meta"}
_OPTIONAL_KEYS = {"texture"}  # version 2: the file carries a noise texture on this grid


@dataclass(frozen=True)
class Header:
    """Everything the file says about itself before the chunks.

    Attributes:
        sample_rate: Hz of the audio the events render to.
        n_samples: length of that audio in samples.
        space: `controls` or `latent`.
        model_hash: schema hash (controls) or checkpoint hash (latent).
        chunk_samples: samples per chunk (2**16 in version 1).
        n_chunks: chunks in the file.
        n_events: events in the file.
        quantizer: bits and range of each column.
        meta: free-form JSON metadata (encoder, settings, source).
        texture: the texture grid (`eventcodec.texture.grid.GRID`) when every chunk carries texture
            codes (format version 2), else None.
    """

    sample_rate: int
    n_samples: int
    space: Space
    model_hash: str
    chunk_samples: int
    n_chunks: int
    n_events: int
    quantizer: Quantizer
    meta: dict[str, Any] = field(default_factory=dict)
    texture: dict[str, Any] | None = None

    def to_bytes(self) -> bytes:
        obj = {
            "sample_rate": self.sample_rate, "n_samples": self.n_samples, "space": self.space,
            "model_hash": self.model_hash, "chunk_samples": self.chunk_samples, "n_chunks": self.n_chunks,
            "n_events": self.n_events, "quantizer": self.quantizer.to_json(), "meta": self.meta,
        }
        if self.texture is not None:
            obj["texture"] = self.texture
        check_unicode(obj, "header")
        try:
            text = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as e:
            raise FormatError(f"event set metadata cannot be stored as JSON: {e}") from None
        data = text.encode()
        if len(data) > MAX_HEADER_BYTES:
            raise FormatError(f"header is {len(data)} bytes; the limit is {MAX_HEADER_BYTES} (metadata too large)")
        return data

    @staticmethod
    def from_bytes(data: bytes) -> Header:
        """Parse and validate; FormatError on anything malformed or out of range."""
        obj = parse_json(data, "header")
        check_unicode(obj, "header")
        if not isinstance(obj, dict):
            raise FormatError("header is not a JSON object")
        if not _KEYS <= set(obj) <= _KEYS | _OPTIONAL_KEYS:
            missing, extra = sorted(_KEYS - set(obj)), sorted(set(obj) - _KEYS - _OPTIONAL_KEYS)
            raise FormatError(f"header keys do not match the format (missing {missing}, unexpected {extra})")
        texture = obj.get("texture")
        if texture is not None and texture not in (GRID, GRID_PLAIN):
            raise FormatError(f"unsupported texture grid {texture!r}; this reader knows {GRID} (mask optional)")
        sample_rate = _int(obj, "sample_rate", 1, MAX_SAMPLE_RATE)
        n_samples = _int(obj, "n_samples", 0, MAX_N_SAMPLES)
        chunk_samples = _int(obj, "chunk_samples", CHUNK_SAMPLES, CHUNK_SAMPLES)
        n_chunks = _int(obj, "n_chunks", -(-n_samples // chunk_samples), MAX_N_SAMPLES // chunk_samples + 1)
        n_events = _int(obj, "n_events", 0, n_chunks * MAX_EVENTS_PER_CHUNK)
        if obj["space"] not in ("controls", "latent"):
            raise FormatError(f"header space must be 'controls' or 'latent', got {obj['space']!r}")
        model_hash = obj["model_hash"]
        if not isinstance(model_hash, str) or len(model_hash) > MAX_HASH_CHARS:
            raise FormatError("header model_hash must be a short string")
        if not isinstance(obj["meta"], dict):
            raise FormatError("header meta must be a JSON object")
        return Header(sample_rate, n_samples, cast(Space, obj["space"]), model_hash, chunk_samples, n_chunks, n_events,
                      Quantizer.from_json(obj["quantizer"]), obj["meta"], texture)


def _int(obj: dict[str, Any], key: str, lo: int, hi: int) -> int:
    val = obj[key]
    if not isinstance(val, int) or isinstance(val, bool) or not lo <= val <= hi:
        raise FormatError(f"header {key} must be an integer in [{lo}, {hi}], got {val!r}")
    return val


def _reject_constant(name: str) -> None:
    raise FormatError(f"JSON holds {name}, which is not a number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise FormatError(f"JSON holds {text[:40]}, which is beyond the range of a float")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise FormatError(f"JSON object has the key {printable(dup)!r} twice")
    return obj


def parse_json(data: bytes | str, what: str) -> Any:
    """json.loads that turns every failure (bad UTF-8, syntax, NaN, numbers beyond float range such as 1e400,
    a key given twice, deep nesting) into FormatError."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float,
                          object_pairs_hook=_unique_keys)
    except FormatError as e:
        raise FormatError(f"{what} is not valid JSON: {e}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise FormatError(f"{what} is not valid JSON: {str(e).splitlines()[0][:200]}") from None


def check_unicode(obj: Any, what: str) -> None:
    """FormatError when a string in `obj` (keys too) cannot be written as UTF-8 (a lone surrogate)."""
    try:
        json.dumps(obj, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        raise FormatError(f"{what} holds a string that is not valid Unicode (a lone surrogate)") from None
    except (TypeError, ValueError) as e:
        raise FormatError(f"{what} cannot be stored as JSON: {e}") from None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\\]")


def printable(text: str) -> str:
    """`text` safe for a terminal: control characters, lone surrogates and backslashes as \\xNN / \\uNNNN."""
    def escape(m: re.Match[str]) -> str:
        c = ord(m.group())
        return "\\\\" if c == 0x5C else f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _CONTROL.sub(escape, text)
