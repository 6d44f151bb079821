"""Every edit on the example clip encoded by the real encoder: what it must change, what it must not."""

import warnings

import mido
import numpy as np
import pytest

from eventcodec import controls, edit
from eventcodec.codec import decode
from eventcodec.edit.ops import STRETCHED_DURATIONS, physical

SR = 22050


def _same_except(a, b, *names):
    keep = np.ones(32, dtype=bool)
    keep[[controls.index_of(n) for n in names]] = False
    return np.array_equal(a.vectors[:, keep], b.vectors[:, keep])


def _band_energy(audio, lo_hz, hi_hz):
    spec = np.abs(np.fft.rfft(audio)) ** 2
    f = np.fft.rfftfreq(len(audio), 1 / SR)
    return float(spec[(f >= lo_hz) & (f < hi_hz)].sum())


def test_real_set_has_pitched_and_unpitched_events(real):
    es = real["events"]
    pitched = edit.pitched_mask(es)
    assert len(es) >= 10
    assert pitched.sum() >= 3


def test_transpose_octave_doubles_pitched_f0_and_leaves_times_and_the_rest(real):
    es = real["events"]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        up = edit.transpose(es, 12)
    pitched = edit.pitched_mask(es)
    f0, f0_up = physical(es, "f0_hz"), physical(up, "f0_hz")
    room = f0 * 2 <= 4186.0
    np.testing.assert_allclose(f0_up[pitched & room] / f0[pitched & room], 2.0, rtol=1e-4)
    np.testing.assert_array_equal(f0_up[~pitched], f0[~pitched])
    np.testing.assert_array_equal(up.times, es.times)
    assert _same_except(up, es, "f0_hz")


# "bass" events: tonal ones pitched below 200 Hz, noisy ones whose noise band reaches below 100 Hz
BASS = "(tonal_mix >= 0.5 and f0_hz < 200) or (tonal_mix < 0.5 and noise_highpass_hz < 100)"


def test_deleting_bass_events_removes_low_energy_and_keeps_the_rest(real, real_decoded):
    es = real["events"]
    low, rest = edit.keep(es, BASS), edit.delete(es, BASS)
    assert 0 < len(low) < len(es)
    y_rest, y_low = decode(rest), decode(low)
    # decoding is linear in the events: what is kept sounds exactly as before, the halves add up to the whole
    np.testing.assert_allclose(y_rest + y_low, real_decoded, atol=2e-5)
    below_db = 10 * np.log10(_band_energy(y_rest, 20, 150) / _band_energy(real_decoded, 20, 150))
    above_db = 10 * np.log10(_band_energy(y_rest, 2000, 11025) / _band_energy(real_decoded, 2000, 11025))
    assert below_db < -6.0  # the bass is mostly gone
    assert above_db > -3.0  # while the top stays within 3 dB


def test_gain_scales_the_decoded_audio(real, real_decoded):
    es = real["events"]
    assert physical(es, "amp_db").min() > -84  # -6 dB will not clip at the -90 dB floor
    quieter = edit.gain(es, -6.0)
    assert _same_except(quieter, es, "amp_db")
    y = decode(quieter)
    np.testing.assert_allclose(y, real_decoded * 10 ** (-6 / 20), atol=2e-5)


def test_mix_with_itself_doubles_the_audio(real, real_decoded):
    es = real["events"]
    both = edit.mix(es, es)
    assert len(both) == 2 * len(es) and both.n_samples == es.n_samples
    np.testing.assert_allclose(decode(both), 2 * real_decoded, atol=4e-5)


def test_slice_shift_move_keep_times_and_vectors_consistent(real):
    es = real["events"]
    part = edit.slice_time(es, 1.0, 3.0)
    inside = (es.times >= SR) & (es.times < 3 * SR)
    np.testing.assert_array_equal(part.times, es.times[inside] - SR)
    np.testing.assert_array_equal(part.vectors, es.vectors[inside])
    later = edit.shift(es, 0.5)
    np.testing.assert_array_equal(later.times, es.times + SR // 2)
    np.testing.assert_array_equal(later.vectors, es.vectors)
    moved = edit.move(es, 0, 3.9)
    assert round(3.9 * SR) in moved.times.tolist() and len(moved) == len(es)


def test_time_stretch_scales_times_and_durations_only(real):
    es = real["events"]
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        slow = edit.time_stretch(es, 2.0)
    np.testing.assert_array_equal(slow.times, es.times * 2)
    assert slow.n_samples == es.n_samples * 2
    for name in STRETCHED_DURATIONS:
        c = controls.CONTROLS[controls.index_of(name)]
        ok = physical(es, name) * 2 <= c.max
        np.testing.assert_allclose(physical(slow, name)[ok], physical(es, name)[ok] * 2, rtol=1e-3)
    assert _same_except(slow, es, *STRETCHED_DURATIONS, "tremolo_hz")


def test_room_swap_for_pitched_events_only(real):
    es = real["events"]
    pitched = edit.pitched_mask(es)
    out = edit.set_room(es, "hall", wet=0.5, where=pitched)
    hall = edit.ops.room_index("hall")
    np.testing.assert_allclose(physical(out, "room_id")[pitched], hall, atol=1e-4)
    np.testing.assert_allclose(physical(out, "room_wet")[pitched], 0.5, atol=1e-4)
    np.testing.assert_array_equal(out.vectors[~pitched], es.vectors[~pitched])
    assert _same_except(out, es, "room_id", "room_wet")


def test_neighbours_start_with_the_query_and_replace_uses_the_nearest_other(real):
    es = real["events"]
    louder = edit.gain(es, 3.0)
    found = edit.nearest([("clip", es), ("louder", louder)], 0, 5, k=2 * len(es))
    assert (found[0].source, found[0].event_index, found[0].distance) == ("clip", 5, 0.0)
    assert [n.distance for n in found] == sorted(n.distance for n in found)
    assert len(found) == 2 * len(es)
    # the same event 3 dB louder is found at exactly the documented weighted distance
    twin = next(n for n in found if (n.source, n.event_index) == ("louder", 5))
    w = edit.neighbours.weights()
    du = louder.vectors[5] - es.vectors[5]
    assert twin.distance == pytest.approx(float(np.sqrt(np.sum(w * du**2) / w.sum())), rel=1e-5)
    nearest_other = edit.nearest([("clip", es)], 0, 5, k=2)[1]
    assert nearest_other.event_index != 5
    out = edit.replace_vector(es, 5, es.vectors[nearest_other.event_index])
    np.testing.assert_array_equal(out.vectors[5], es.vectors[nearest_other.event_index])
    np.testing.assert_array_equal(out.times, es.times)


@pytest.mark.parametrize("single_track", [True, False])
def test_midi_export_reimports_with_the_right_notes_and_onsets(real, tmp_path, single_track):
    from eventcodec.export.midi import DRUM_CHANNEL, NOTE_CHANNEL, write_midi

    es = real["events"]
    pitched = edit.pitched_mask(es)
    write_midi(es, tmp_path / "clip.mid", single_track=single_track)
    mid = mido.MidiFile(tmp_path / "clip.mid")
    ons, now = [], 0.0
    for msg in mido.merge_tracks(mid.tracks):
        now += mido.tick2second(msg.time, mid.ticks_per_beat, 500_000)
        if msg.type == "note_on" and msg.velocity > 0:
            ons.append((now, msg.channel))
    # one track per instrument spreads the notes over channels 1-9, 11-16; one track keeps them on channel 1
    notes = [t for t, ch in ons if (ch == NOTE_CHANNEL if single_track else ch != DRUM_CHANNEL)]
    drums = [t for t, ch in ons if ch == DRUM_CHANNEL]
    assert len(notes) == pitched.sum() and len(drums) == (~pitched).sum()
    np.testing.assert_allclose(sorted(notes), np.sort(es.times[pitched] / SR), atol=1.1e-3)
    np.testing.assert_allclose(sorted(drums), np.sort(es.times[~pitched] / SR), atol=1.1e-3)
    from eventcodec.edit.instruments import instruments

    assert len(mid.tracks) == (2 if single_track else 1 + len(np.unique(instruments(es))))


def test_bad_filter_on_real_set_is_a_clear_error(real):
    with pytest.raises(edit.FilterError, match="unknown name 'pitch'"):
        edit.keep(real["events"], "pitch > 3")


def test_set_control_and_index_selection(real):
    es = real["events"]
    out = edit.set_control(es, "decay_s", 0.2, where=[0, 2])
    np.testing.assert_allclose(physical(out, "decay_s")[[0, 2]], 0.2, rtol=1e-4)
    np.testing.assert_array_equal(np.delete(out.vectors, [0, 2], axis=0), np.delete(es.vectors, [0, 2], axis=0))
    assert _same_except(out, es, "decay_s")
    kept = edit.keep(es, [1, 3])
    np.testing.assert_array_equal(kept.times, es.times[[1, 3]])
    assert len(edit.delete(es, [1, 3])) == len(es) - 2
