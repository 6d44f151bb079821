"""Audible durations: the synth's `audible_length` of each event's control vector, in seconds."""

import numpy as np
import pytest

from eventcodec.edit.durations import audible_durations_s
from eventcodec.errors import EventCodecError
from eventcodec.synth import audible_length


def test_durations_are_the_synths_audible_lengths_of_the_vectors(build):
    es = build([{"decay_s": 1.0}, {"room_wet": 0.5, "room_id": 3.0}, {"decay_s": 0.1}], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(audible_durations_s(es), audible_length(es.vectors) / es.sample_rate)
    dry = audible_durations_s(es, include_room=False)
    assert dry[1] < audible_durations_s(es)[1] and dry[[0, 2]].tolist() == audible_durations_s(es)[[0, 2]].tolist()
    assert audible_durations_s(es.select(np.array([1]))).shape == (1,)
    assert audible_durations_s(es.select(np.zeros(3, dtype=bool))).shape == (0,)


def test_durations_need_the_controls_space(build):
    with pytest.raises(EventCodecError, match="controls space"):
        audible_durations_s(build([{}], [0.0]).replace(space="latent"))
