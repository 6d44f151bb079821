import mido
import numpy as np

from eventcodec import controls
from eventcodec.export.midi import DRUM_CHANNEL, HAT, KICK, NOTE_CHANNEL, TICKS_PER_S, velocities, write_midi
from eventcodec.types import EventSet


def _events() -> EventSet:
    rows = [  # (time_s, f0_hz, tonal_mix, noise_highpass_hz, amp_db)
        (0.0, 220.0, 0.9, 20.0, -6.0),
        (0.25, 220.0, 0.9, 20.0, -20.0),  # re-struck while the first still sounds
        (0.5, 440.0, 0.9, 20.0, -30.0),
        (0.75, 3000.0, 0.0, 6000.0, -30.0),  # noisy high hit -> hi-hat
        (1.0, 60.0, 0.0, 20.0, -10.0),  # dark noise (20..100 Hz band, set below) -> kick
    ]
    phys = np.tile(controls.to_physical(controls.default_unit_vector()), (len(rows), 1))
    for i, (_, f0, tonal, hp, amp) in enumerate(rows):
        phys[i, controls.index_of("f0_hz")] = f0
        phys[i, controls.index_of("tonal_mix")] = tonal
        phys[i, controls.index_of("noise_highpass_hz")] = hp
        phys[i, controls.index_of("amp_db")] = amp
    phys[4, controls.index_of("noise_lowpass_hz")] = 100.0
    times = np.round(np.array([r[0] for r in rows]) * 22050).astype(np.int64)
    return EventSet(times, controls.to_unit(phys), n_samples=2 * 22050)


def _read(path):
    mid = mido.MidiFile(path)
    out, now = [], 0
    for msg in mido.merge_tracks(mid.tracks):
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            out.append((now / TICKS_PER_S, msg.channel, msg.note, msg.velocity))
    return mid, out


def test_midi_reimports_with_note_count_onsets_and_drums(tmp_path):
    es = _events()
    path = tmp_path / "x.mid"
    write_midi(es, path, durations_s=np.full(len(es), 1.0))
    mid, ons = _read(path)
    notes = [o for o in ons if o[1] == NOTE_CHANNEL]
    drums = [o for o in ons if o[1] == DRUM_CHANNEL]
    assert [n[2] for n in notes] == [57, 57, 69]
    np.testing.assert_allclose([n[0] for n in notes], [0.0, 0.25, 0.5], atol=1e-3)
    assert [d[2] for d in drums] == [HAT, KICK]
    np.testing.assert_allclose([d[0] for d in drums], [0.75, 1.0], atol=1e-3)
    assert [n[3] for n in notes] == velocities(np.array([-6.0, -20.0, -30.0])).tolist()
    # the re-struck 220 Hz note was ended at the second onset, so no note overlaps itself
    sounding = set()
    for msg in mido.merge_tracks(mid.tracks):
        if msg.type == "note_on" and msg.velocity > 0:
            assert (msg.channel, msg.note) not in sounding
            sounding.add((msg.channel, msg.note))
        elif msg.type in ("note_off", "note_on"):
            sounding.discard((msg.channel, msg.note))
    assert not sounding
    assert abs(mid.length - 1.5) < 0.01  # last pitched note: 0.5 s + 1 s


def test_a_held_note_lasts_its_gate_and_a_struck_event_its_ring():
    from eventcodec.edit.durations import audible_durations_s
    from eventcodec.export.midi import note_lengths_s

    phys = np.tile(controls.to_physical(controls.default_unit_vector()), (2, 1))
    for i, hold in enumerate((0.6, 0.02)):  # a note of the note stage (gate 0.6 s), a struck pursuit event
        phys[i, controls.index_of("hold_s")] = hold
        phys[i, controls.index_of("sustain_db")] = -60.0
        phys[i, controls.index_of("decay_s")] = 4.0  # rings far past its gate
        phys[i, controls.index_of("tonal_mix")] = 1.0
    es = EventSet(np.array([0, 22050]), controls.to_unit(phys), n_samples=8 * 22050)
    lengths, audible = note_lengths_s(es), audible_durations_s(es, include_room=False)
    attack = phys[0, controls.index_of("attack_s")]
    assert abs(lengths[0] - (attack + 0.6)) < 0.01 and audible[0] > 1.0
    assert lengths[1] == audible[1]
