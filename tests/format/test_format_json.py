"""The JSON form: exact round trip, defaults for omitted controls, and clean errors for any malformed input."""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest
from evc_helpers import realistic_set
from hypothesis import given, settings
from hypothesis import strategies as st

from eventcodec.errors import EventCodecError, FormatError
from eventcodec.format import decode_evc, encode_evc, eventset_from_json, eventset_to_json
from eventcodec.types import EventSet


def test_json_text_round_trip_is_exact() -> None:
    data = encode_evc(realistic_set(60, 4.0), bits=10)
    events = decode_evc(data)
    text = json.dumps(eventset_to_json(events))
    back = eventset_from_json(json.loads(text))
    assert back == events and back.meta == events.meta
    assert encode_evc(back) == data  # the quantizer travels in the JSON


def test_latent_sets_use_plain_vectors() -> None:
    events = EventSet([3, 9], np.array([[-2.5] * 32, [4.0] * 32]), space="latent", model_hash="abc", n_samples=20)
    obj = eventset_to_json(decode_evc(encode_evc(events)))
    assert "vector" in obj["events"][0] and obj["model_hash"] == "abc"
    assert eventset_from_json(obj).vectors[1, 0] == pytest.approx(4.0, abs=0.05)


def test_helpful_errors() -> None:
    good = eventset_to_json(realistic_set(2, 1.0))
    cases = [
        ({**good, "format": "x"}, "eventcodec-events"),
        ({**good, "events": [{"time_samples": -1, "controls": {}}]}, "time_samples"),
        ({**good, "events": [{"time_samples": 1, "controls": {"volume": 1}}]}, "unknown controls"),
        ({**good, "events": [{"time_samples": 1, "vector": [0.5] * 31}]}, "32 numbers"),
        ({**good, "events": [{"time_samples": 1, "vector": ["a"] * 32}]}, "finite numbers"),
        ({**good, "events": [{"time_samples": 10**30, "vector": [0.5] * 32}]}, "out of range"),
        ({**good, "quantizer": {"bits": 40}}, "bits"),
    ]
    for obj, message in cases:
        with pytest.raises(FormatError, match=message):
            eventset_from_json(obj)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["format", "version", "sample_rate", "n_samples", "space", "model_hash",
                                        "quantizer", "meta", "events"]), json_values))
def test_arbitrary_json_gives_an_eventset_or_a_user_error(fields: dict[str, object]) -> None:
    obj = {"format": "eventcodec-events", "version": 1, **fields}
    with contextlib.suppress(EventCodecError):
        eventset_from_json(obj)
