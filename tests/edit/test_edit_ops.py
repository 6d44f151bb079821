"""Edit operations on hand-built sets: what each must change, and what it must leave alone."""

import warnings

import numpy as np
import pytest

from eventcodec import controls, edit
from eventcodec.edit.ops import ClipWarning, physical
from eventcodec.errors import EventCodecError

F0 = controls.index_of("f0_hz")


def _others(a, b, *names):
    cols = [controls.index_of(n) for n in names]
    keep = np.ones(32, dtype=bool)
    keep[cols] = False
    return np.array_equal(a.vectors[:, keep], b.vectors[:, keep])


def test_pitched_rule_excludes_noise_glides_and_bells(mixed):
    assert edit.pitched_mask(mixed).tolist() == [True, True, True, False, False, False]


def test_keep_and_delete_are_complements_and_leave_the_input_alone(mixed):
    before = mixed.vectors.copy()
    low = edit.keep(mixed, "f0_hz < 200")
    rest = edit.delete(mixed, "f0_hz < 200")
    assert len(low) + len(rest) == len(mixed)
    assert np.all(physical(low, "f0_hz") < 200) and np.all(physical(rest, "f0_hz") >= 200)
    assert low.n_samples == mixed.n_samples
    assert np.array_equal(mixed.vectors, before) and "edits" not in mixed.meta
    assert low.meta["edits"] == ["keep where f0_hz < 200"]


def test_slice_retimes_and_shortens(mixed):
    part = edit.slice_time(mixed, 0.9, 2.5)
    assert len(part) == 3
    assert part.duration_s == pytest.approx(1.6, abs=1e-4)
    assert np.allclose(part.times / part.sample_rate, [0.1, 0.35, 1.1], atol=1e-4)
    with pytest.raises(EventCodecError, match="time range"):
        edit.slice_time(mixed, 2.0, 1.0)


def test_shift_selected_moves_only_them(mixed):
    out = edit.shift(mixed, 0.5, "f0_hz > 2000")
    moved = np.isclose(out.times / out.sample_rate, 1.75, atol=1e-4)
    assert moved.sum() == 1
    assert len(out) == len(mixed) and out.n_samples == mixed.n_samples
    with pytest.raises(EventCodecError, match="before time 0"):
        edit.shift(mixed, -1.0)
    whole = edit.shift(mixed, 1.0)
    assert np.array_equal(whole.times, mixed.times + 22050) and whole.n_samples == mixed.n_samples + 22050


def test_move_one_event(mixed):
    out = edit.move(mixed, 0, 3.5)
    assert out.times[-1] == round(3.5 * 22050)
    assert np.array_equal(out.vectors[-1], mixed.vectors[0])


def test_gain_adds_db_and_clips_with_a_warning(mixed):
    out = edit.gain(mixed, -6.0, "t < 1")
    d = physical(out, "amp_db") - physical(mixed, "amp_db")
    assert np.allclose(d[:2], -6.0, atol=1e-3) and np.allclose(d[2:], 0.0)
    assert _others(out, mixed, "amp_db")
    with pytest.warns(ClipWarning, match="amp_db clipped"):
        loud = edit.gain(mixed, 20.0)
    assert physical(loud, "amp_db").max() == pytest.approx(0.0)


def test_transpose_moves_only_pitched_f0(mixed):
    up = edit.transpose(mixed, 12)
    ratio = physical(up, "f0_hz") / physical(mixed, "f0_hz")
    assert np.allclose(ratio[:3], 2.0, rtol=1e-4)
    assert np.allclose(ratio[3:], 1.0)
    assert np.array_equal(up.times, mixed.times)
    assert _others(up, mixed, "f0_hz")
    everything = edit.transpose(mixed, -12, where=None)
    assert np.allclose(physical(everything, "f0_hz") / physical(mixed, "f0_hz"), 0.5, rtol=1e-4)


def test_transpose_past_the_top_clips_and_warns(build):
    es = build([{"f0_hz": 3000.0, "tonal_mix": 1.0}], [0.0])
    with pytest.warns(ClipWarning, match="f0_hz clipped to"):
        out = edit.transpose(es, 12)
    assert physical(out, "f0_hz")[0] == pytest.approx(4186.0, rel=1e-4)


def test_time_stretch_scales_times_and_durations_not_pitch(mixed):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = edit.time_stretch(mixed, 1.5)
    assert np.array_equal(out.times, np.round(mixed.times * 1.5))
    assert out.n_samples == round(mixed.n_samples * 1.5)
    for name in edit.ops.STRETCHED_DURATIONS:
        assert np.allclose(physical(out, name) / physical(mixed, name), 1.5, rtol=1e-3), name
    assert np.allclose(physical(out, "f0_hz"), physical(mixed, "f0_hz"))
    assert _others(out, mixed, *edit.ops.STRETCHED_DURATIONS, "tremolo_hz")
    with pytest.raises(EventCodecError, match="factor"):
        edit.time_stretch(mixed, 0)


def test_set_room_and_wet_for_a_selection(mixed):
    out = edit.set_room(mixed, 3, wet=0.4, where="f0_hz > 300")
    sel = physical(mixed, "f0_hz") > 300
    assert np.allclose(physical(out, "room_id")[sel], 3.0, atol=1e-4)
    assert np.allclose(physical(out, "room_wet")[sel], 0.4, atol=1e-4)
    assert np.array_equal(out.vectors[~sel], mixed.vectors[~sel])
    with pytest.raises(EventCodecError, match="out of range"):
        edit.set_room(mixed, 99)
    with pytest.raises(EventCodecError, match="unknown room"):
        edit.set_room(mixed, "no-such-room")


def test_replace_vector_and_mix(mixed):
    out = edit.replace_vector(mixed, 1, mixed.vectors[2])
    assert np.array_equal(out.vectors[1], mixed.vectors[2]) and np.array_equal(out.times, mixed.times)
    both = edit.mix(mixed, mixed, offset_s=2.0, gain_db=-6.0)
    assert len(both) == 2 * len(mixed)
    assert both.n_samples == mixed.n_samples + 2 * 22050
    assert sorted(both.times.tolist()) == sorted([*mixed.times.tolist(), *(mixed.times + 44100).tolist()])
    with pytest.raises(EventCodecError, match="different"):
        edit.mix(mixed, mixed.replace(space="latent"))


def test_control_edits_refuse_latent_sets(mixed):
    latent = mixed.replace(space="latent", model_hash="m")
    with pytest.raises(EventCodecError, match="controls space"):
        edit.gain(latent, 3.0)
    assert len(edit.keep(latent, "t < 1")) == 2
