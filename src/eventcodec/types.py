"""EventSet: the one value passed between encoder, file format, editors and synthesizer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from eventcodec.errors import EventCodecError

if TYPE_CHECKING:
    from eventcodec.format.quantizer import Quantizer
    from eventcodec.texture.grid import Texture

Space = Literal["controls", "latent"]
SAMPLE_RATE = 22050
VECTOR_SIZE = 32


@dataclass(frozen=True, eq=False)
class EventSet:
    """A sparse list of events: onset times plus 32-d vectors.

    Attributes:
        times: (n_events,) int64 onset times in samples, sorted ascending.
        vectors: (n_events, 32) float32; in [0, 1] for the `controls` space.
        sample_rate: Hz of the audio the events render to.
        n_samples: length of the rendered audio in samples.
        space: `controls` (named synth parameters) or `latent` (a trained model's vectors).
        model_hash: for `latent`, the checkpoint hash; for `controls`, the schema hash.
        meta: free-form JSON-able metadata (encoder name, settings, source file).
        quantizer: the grid the vectors were read from (None when not read from a file); writing reuses
            it while every vector is still on it, so file -> EventSet -> file is byte-identical.
        texture: noise levels that fill what the events leave unexplained (None: events only); it
            follows the audio's time line through slice/shift/concat, and event edits leave it alone.
    """

    times: np.ndarray
    vectors: np.ndarray
    sample_rate: int = SAMPLE_RATE
    n_samples: int = 0
    space: Space = "controls"
    model_hash: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    quantizer: Quantizer | None = None
    texture: Texture | None = None

    def __post_init__(self) -> None:
        times = np.asarray(self.times, dtype=np.int64).reshape(-1)
        vectors = np.asarray(self.vectors, dtype=np.float32).reshape(-1, VECTOR_SIZE)
        if len(times) != len(vectors):
            raise EventCodecError(f"{len(times)} times but {len(vectors)} vectors")
        if not np.all(np.isfinite(vectors)):
            raise EventCodecError("event vectors contain NaN or infinity")
        if self.space not in ("controls", "latent"):
            raise EventCodecError(f"unknown space {self.space!r}")
        if self.sample_rate <= 0 or self.n_samples < 0:
            raise EventCodecError("sample_rate must be > 0 and n_samples >= 0")
        if self.texture is not None:
            object.__setattr__(self, "texture", self.texture.fitted(self.n_samples))
        order = np.argsort(times, kind="stable")
        object.__setattr__(self, "times", times[order])
        object.__setattr__(self, "vectors", vectors[order])

    def __len__(self) -> int:
        return len(self.times)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EventSet):
            return NotImplemented
        return (
            self.sample_rate == other.sample_rate
            and self.n_samples == other.n_samples
            and self.space == other.space
            and self.model_hash == other.model_hash
            and np.array_equal(self.times, other.times)
            and np.array_equal(self.vectors, other.vectors)
            and self.texture == other.texture
        )

    @property
    def duration_s(self) -> float:
        return self.n_samples / self.sample_rate

    def replace(self, **changes: Any) -> EventSet:
        """A copy with some fields changed (times are re-sorted)."""
        return replace(self, **changes)

    def select(self, mask: np.ndarray) -> EventSet:
        """Keep the events where `mask` (bool (n_events,) or index array) selects."""
        return self.replace(times=self.times[mask], vectors=self.vectors[mask])

    def filter(self, predicate: Callable[[int, np.ndarray], bool]) -> EventSet:
        """Keep events for which `predicate(time_samples, vector)` is true."""
        keep = np.array([bool(predicate(int(t), v)) for t, v in zip(self.times, self.vectors, strict=True)],
                        dtype=bool)
        return self.select(keep if len(keep) else np.zeros(0, dtype=bool))

    def slice(self, start_sample: int, stop_sample: int) -> EventSet:
        """Events starting in [start, stop), re-timed so `start` becomes 0."""
        start, stop = max(0, int(start_sample)), min(self.n_samples, int(stop_sample))
        stop = max(start, stop)
        mask = (self.times >= start) & (self.times < stop)
        texture = self.texture.shifted(-start, stop - start) if self.texture is not None else None
        return self.replace(
            times=self.times[mask] - start, vectors=self.vectors[mask], n_samples=stop - start, texture=texture
        )

    def shifted(self, offset_samples: int) -> EventSet:
        """Events moved by `offset_samples` (length grows to keep them)."""
        times = self.times + int(offset_samples)
        if len(times) and times.min() < 0:
            raise EventCodecError("shift would move events before time 0")
        n_samples = max(0, self.n_samples + int(offset_samples))
        texture = self.texture.shifted(int(offset_samples), n_samples) if self.texture is not None else None
        return self.replace(times=times, n_samples=n_samples, texture=texture)

    def concat(self, other: EventSet) -> EventSet:
        """`other` appended after this set in time."""
        if (other.sample_rate, other.space, other.model_hash) != (
            self.sample_rate, self.space, self.model_hash,
        ):
            raise EventCodecError("cannot concatenate event sets of different rate/space/model")
        n_samples = self.n_samples + other.n_samples
        texture = None
        if self.texture is not None or other.texture is not None:
            from eventcodec.texture.grid import Texture

            mine = self.texture or Texture.silent(self.n_samples)
            texture = mine.concat(other.texture or Texture.silent(other.n_samples), self.n_samples, n_samples)
        return self.replace(
            times=np.concatenate([self.times, other.times + self.n_samples]),
            vectors=np.concatenate([self.vectors, other.vectors]),
            n_samples=n_samples,
            texture=texture,
        )

    def to_bytes(self, **kwargs: Any) -> bytes:
        """Serialise to the .evc format (see docs/format.md)."""
        from eventcodec.format import encode_evc

        return encode_evc(self, **kwargs)

    @staticmethod
    def from_bytes(data: bytes) -> EventSet:
        """Parse .evc bytes; raises FormatError on anything malformed."""
        from eventcodec.format import decode_evc

        return decode_evc(data)

    def to_json(self) -> dict[str, Any]:
        """JSON-able dict (the `eventcodec dump` form)."""
        from eventcodec.format import eventset_to_json

        return eventset_to_json(self)

    @staticmethod
    def from_json(obj: dict[str, Any]) -> EventSet:
        """Inverse of `to_json`; validates like the binary reader."""
        from eventcodec.format import eventset_from_json

        return eventset_from_json(obj)

    @staticmethod
    def empty(n_samples: int = 0, sample_rate: int = SAMPLE_RATE) -> EventSet:
        return EventSet(np.zeros(0, np.int64), np.zeros((0, VECTOR_SIZE), np.float32),
                        sample_rate=sample_rate, n_samples=n_samples)
