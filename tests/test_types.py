"""EventSet: validation, ordering, slice/filter/select/shift/concat semantics, bytes and JSON round trips."""

from __future__ import annotations

import numpy as np
import pytest

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet


def _set(times: list[int], n_samples: int = 1000, **kw: object) -> EventSet:
    vectors = np.array([[t / 1000.0] * 32 for t in times], dtype=np.float32).reshape(-1, 32)
    return EventSet(np.array(times), vectors, n_samples=n_samples, **kw)  # type: ignore[arg-type]


def test_events_are_sorted_stably_with_their_vectors() -> None:
    events = EventSet([30, 10, 20, 10], np.arange(4 * 32).reshape(4, 32) / 200, n_samples=100)
    assert events.times.tolist() == [10, 10, 20, 30]
    assert events.vectors[:, 0].tolist() == pytest.approx([32 / 200, 96 / 200, 64 / 200, 0.0])
    assert events.times.dtype == np.int64 and events.vectors.dtype == np.float32


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"times": [1, 2], "vectors": np.zeros((3, 32))}, "2 times but 3 vectors"),
    ({"times": [1], "vectors": np.full((1, 32), np.nan)}, "NaN"),
    ({"times": [1], "vectors": np.zeros((1, 32)), "space": "other"}, "space"),
    ({"times": [1], "vectors": np.zeros((1, 32)), "sample_rate": 0}, "sample_rate"),
    ({"times": [1], "vectors": np.zeros((1, 32)), "n_samples": -1}, "n_samples"),
])
def test_invalid_sets_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(EventCodecError, match=message):
        EventSet(**kwargs)  # type: ignore[arg-type]


def test_slice_keeps_starts_in_range_and_retimes() -> None:
    events = _set([0, 100, 199, 200, 500, 999])
    part = events.slice(100, 500)
    assert part.times.tolist() == [0, 99, 100]
    assert part.n_samples == 400
    assert part.vectors[:, 0].tolist() == pytest.approx([0.1, 0.199, 0.2])
    assert events.slice(-50, 100).times.tolist() == [0]  # clamped at 0
    assert events.slice(900, 5000).n_samples == 100  # clamped at the end
    assert len(events.slice(600, 300)) == 0 and events.slice(600, 300).n_samples == 0


def test_filter_and_select() -> None:
    events = _set([10, 20, 30, 40])
    late = events.filter(lambda t, v: t >= 25)
    assert late.times.tolist() == [30, 40] and late.n_samples == events.n_samples
    assert len(events.filter(lambda t, v: bool(v[0] > 1))) == 0
    assert len(EventSet.empty(100).filter(lambda t, v: True)) == 0
    assert events.select(np.array([0, 3])).times.tolist() == [10, 40]
    assert events.select(events.vectors[:, 0] < 0.025).times.tolist() == [10, 20]


def test_shift_and_concat() -> None:
    a, b = _set([0, 10], n_samples=100), _set([5], n_samples=50)
    ab = a.concat(b)
    assert ab.times.tolist() == [0, 10, 105] and ab.n_samples == 150
    assert a.shifted(20).times.tolist() == [20, 30] and a.shifted(20).n_samples == 120
    with pytest.raises(EventCodecError, match="before time 0"):
        a.shifted(-5)
    with pytest.raises(EventCodecError, match="different"):
        a.concat(_set([1], space="latent"))
    # slicing then concatenating the pieces gives the original back
    whole = _set([0, 100, 250, 600, 999])
    np.testing.assert_array_equal(whole.slice(0, 300).concat(whole.slice(300, 1000)).times, whole.times)


def test_equality_ignores_meta_but_not_content() -> None:
    a = _set([1, 2], meta={"x": 1})
    assert a == _set([1, 2], meta={"y": 2})
    assert a != _set([1, 3])
    assert a != _set([1, 2], n_samples=5)
    assert a != a.replace(vectors=a.vectors + 0.001)
    assert a.duration_s == pytest.approx(1000 / 22050)


def test_bytes_and_json_round_trips() -> None:
    events = _set([0, 400, 800], meta={"encoder": "t"})
    back = EventSet.from_bytes(events.to_bytes())
    assert back.times.tolist() == [0, 400, 800] and back.meta == {"encoder": "t"}
    assert np.abs(back.vectors - events.vectors).max() <= 0.5 / 255 + 1e-7
    assert EventSet.from_json(back.to_json()) == back
    assert EventSet.from_json(back.to_json()).to_bytes() == back.to_bytes()
    empty = EventSet.empty(500)
    assert EventSet.from_bytes(empty.to_bytes()) == empty
