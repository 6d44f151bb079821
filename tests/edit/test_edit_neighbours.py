import numpy as np
import pytest

from eventcodec import controls
from eventcodec.edit.neighbours import PERCEPTUAL_WEIGHTS, distances, nearest
from eventcodec.errors import EventCodecError


def test_query_comes_first_and_the_rest_are_ordered_by_distance(mixed):
    other = mixed.replace(times=mixed.times + 10)
    found = nearest([("a", mixed), ("b", other)], 0, 2, k=12)
    assert (found[0].source, found[0].event_index, found[0].distance) == ("a", 2, 0.0)
    # its twin in the other file is just as close, and comes second
    assert (found[1].source, found[1].event_index, found[1].distance) == ("b", 2, 0.0)
    d = [n.distance for n in found]
    assert d == sorted(d)
    assert len(found) == 12


def test_distance_ignores_seed_and_weights_pitch_more_than_level(build):
    es = build([{"f0_hz": 220.0}, {"f0_hz": 220.0, "seed": 0.9}, {"f0_hz": 233.1}, {"f0_hz": 220.0, "amp_db": -21.0}],
               [0.0, 0.1, 0.2, 0.3])
    d = distances(es.vectors[0], es.vectors)
    assert d[1] == pytest.approx(0.0, abs=1e-7)
    # one semitone of pitch vs about a 2.4% step of level (same normalised step size)
    du_f0 = es.vectors[2, controls.index_of("f0_hz")] - es.vectors[0, controls.index_of("f0_hz")]
    du_amp = es.vectors[3, controls.index_of("amp_db")] - es.vectors[0, controls.index_of("amp_db")]
    ratio = (d[2] / abs(du_f0)) / (d[3] / abs(du_amp))
    assert ratio == pytest.approx(np.sqrt(PERCEPTUAL_WEIGHTS["f0_hz"] / PERCEPTUAL_WEIGHTS["amp_db"]), rel=1e-3)
    assert np.all(d <= 1.0)


def test_bad_queries_raise(mixed):
    with pytest.raises(EventCodecError, match="out of range"):
        nearest([("a", mixed)], 0, 99)
    with pytest.raises(EventCodecError, match="k must"):
        nearest([("a", mixed)], 0, 0, k=0)
    with pytest.raises(EventCodecError, match="another space"):
        nearest([("a", mixed), ("b", mixed.replace(space="latent"))], 0, 0)
