"""Instruments (events grouped by timbre): labels, descriptions, CLI edits by instrument, info and MIDI tracks."""

import json

import mido
import numpy as np
import pytest

import eventcodec.edit.instruments as ins
from eventcodec import controls
from eventcodec.cli.main import main
from eventcodec.types import EventSet

STRUCK = {"attack_s": 0.002, "sustain_db": -60.0, "env_decay_s": 0.01, "release_s": 0.02, "decay_s": 0.3,
          "brightness_hz": 6000.0, "n_partials": 30.0, "click_mix": 0.5, "tonal_mix": 0.9}
HELD = {"attack_s": 0.1, "sustain_db": 0.0, "env_decay_s": 0.3, "release_s": 0.5, "decay_s": 3.0,
        "brightness_hz": 500.0, "n_partials": 4.0, "click_mix": 0.0, "tonal_mix": 0.9}
DRUM = {"tonal_mix": 0.05, "decay_s": 0.05, "noise_highpass_hz": 5000.0, "noise_lowpass_hz": 10000.0,
        "attack_s": 0.001, "sustain_db": -60.0}


@pytest.fixture
def three(build) -> tuple[EventSet, np.ndarray]:
    """A struck bright short instrument (first), a held dark one, and hi-hats, interleaved; (set, true group)."""
    rng, n_each = np.random.default_rng(0), 8
    rows, times, group = [], [], []
    for i in range(n_each):
        for g, kind in enumerate((STRUCK, HELD, DRUM)):
            row = {k: v * float(rng.uniform(0.9, 1.1)) if k != "sustain_db" else v for k, v in kind.items()}
            row["f0_hz"] = float(rng.uniform(100, 1000))  # pitch and level vary freely within an instrument
            row["amp_db"] = float(rng.uniform(-30, -10))
            rows.append(row)
            times.append(0.05 + 0.3 * i + 0.1 * g)
            group.append(g)
    return build(rows, times, duration_s=3.0), np.array(group)


def test_three_timbres_become_three_instruments_numbered_by_first_onset(three):
    es, group = three
    labels = ins.instruments(es)
    np.testing.assert_array_equal(labels, group)  # struck first, then held, then the hats
    infos = ins.describe(es, labels)
    assert [i.n_events for i in infos] == [8, 8, 8]
    assert [i.pitched for i in infos] == [True, True, False]
    assert infos[0].description.startswith("pitched, struck, bright, short")
    assert infos[1].description.startswith("pitched, held, dark")
    assert infos[2].description.startswith("drums/noise")
    assert infos[2].pitch_range == "" and "-" in infos[0].pitch_range


def test_labels_are_deterministic_permutation_stable_and_blind_to_pitch_level_and_time(three):
    es, _ = three
    labels = ins.instruments(es)
    np.testing.assert_array_equal(ins.instruments(es), labels)
    # the same events given in another order (ties in time keep the given order): the same grouping
    order = np.random.default_rng(1).permutation(len(es))
    times = np.zeros(len(es), dtype=np.int64)  # all at once, so the set keeps the permuted order
    permuted = EventSet(times, es.vectors[order], n_samples=es.n_samples)
    same_time = EventSet(times, es.vectors, n_samples=es.n_samples)
    np.testing.assert_array_equal(ins.instruments(permuted), ins.instruments(same_time)[order])
    # pitch, level and time do not move an event to another instrument
    phys = controls.to_physical(es.vectors)
    phys[:, controls.index_of("f0_hz")] *= 1.5
    phys[:, controls.index_of("amp_db")] -= 12
    moved = EventSet(es.times + 1000, controls.to_unit(phys), n_samples=es.n_samples + 1000)
    np.testing.assert_array_equal(ins.instruments(moved), labels)


def test_a_bank_labels_an_edited_copy_the_same_way(three):
    from eventcodec import edit

    es, group = three
    bank = ins.fit_bank(es)
    out = edit.transpose(edit.delete(es, group == 0), 5)
    np.testing.assert_array_equal(ins.assign(out, bank), group[group != 0])
    assert ins.instruments(es.select(group < 0)).size == 0 and len(ins.fit_bank(es.select(group < 0))) == 0


def test_instrument_in_a_filter_expression(three):
    from eventcodec import edit

    es, group = three
    np.testing.assert_array_equal(edit.evaluate("instrument == 1 or instrument == 2", es), group > 0)
    assert len(edit.delete(es, "instrument == 2")) == 16


@pytest.fixture
def evc3(tmp_path, three):
    es, group = three
    path = tmp_path / "three.evc"
    path.write_bytes(es.to_bytes())
    return path, EventSet.from_bytes(path.read_bytes()), group


def test_cli_mute_solo_and_transpose_touch_only_that_instrument(evc3, tmp_path):
    from eventcodec.codec import decode

    path, es, group = evc3
    muted, solo, up = (tmp_path / f"{n}.evc" for n in ("muted", "solo", "up"))
    assert main(["edit", str(path), str(muted), "--instrument", "1", "--mute", "-q"]) == 0
    assert main(["edit", str(path), str(solo), "--instrument", "1", "--solo", "-q"]) == 0
    assert main(["edit", str(path), str(up), "--instrument", "0", "--transpose", "12", "--gain", "-6", "-q"]) == 0
    m, s, u = (EventSet.from_bytes(p.read_bytes()) for p in (muted, solo, up))
    np.testing.assert_array_equal(m.vectors, es.vectors[group != 1])
    np.testing.assert_array_equal(s.vectors, es.vectors[group == 1])
    before, after = controls.to_physical(es.vectors), controls.to_physical(u.vectors)
    f0, amp = controls.index_of("f0_hz"), controls.index_of("amp_db")
    np.testing.assert_allclose(after[group == 0, f0] / before[group == 0, f0], 2.0, rtol=0.01)
    np.testing.assert_allclose(after[group == 0, amp] - before[group == 0, amp], -6.0, atol=0.2)
    np.testing.assert_array_equal(u.vectors[group != 0], es.vectors[group != 0])
    # the decoded audio: muting and soloing split the sound; the edited instrument's sound changed
    whole, without, alone = decode(es), decode(m), decode(s)
    np.testing.assert_allclose(without + alone, whole, atol=1e-4)
    assert np.sqrt(np.mean(alone**2)) > 0.1 * np.sqrt(np.mean(whole**2))
    assert not np.allclose(decode(u), whole, atol=1e-3)


def test_cli_instrument_errors_are_one_line(evc3, tmp_path, capsys):
    path, _, _ = evc3
    out = tmp_path / "out.evc"
    for argv, message in ((["--instrument", "7", "--mute"], "the input has 3 instrument(s) (0..2"),
                          (["--mute"], "--mute needs --instrument K")):
        assert main(["edit", str(path), str(out), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("eventcodec: error:") and message in err and "\n" not in err
        assert not out.exists()


def test_info_lists_instruments(evc3, capsys):
    path, _, _ = evc3
    assert main(["info", str(path)]) == 0
    assert "instruments:" not in capsys.readouterr().out  # the default stays fast: no clustering
    assert main(["info", str(path), "--instruments"]) == 0
    out = capsys.readouterr().out
    assert "instruments:     3" in out
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    assert [r[0] for r in rows] == ["0", "1", "2"] and [r[1] for r in rows] == ["8", "8", "8"]
    assert "drums/noise" in out.splitlines()[-1]
    assert main(["info", str(path), "--instruments", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["instruments"]
    assert [(r["index"], r["n_events"], r["pitched"]) for r in listed] == [(0, 8, True), (1, 8, True), (2, 8, False)]


def test_midi_export_writes_one_track_per_instrument_with_drums_on_channel_10(evc3, tmp_path):
    from eventcodec.export.midi import DRUM_CHANNEL

    path, _, group = evc3
    mid_path = tmp_path / "x.mid"
    assert main(["export", str(path), str(mid_path)]) == 0
    mid = mido.MidiFile(mid_path)
    assert mid.type == 1 and len(mid.tracks) == 4  # tempo track + 3 instruments
    channels = []
    for track, g in zip(mid.tracks[1:], range(3), strict=True):
        assert track.name.startswith(f"instrument {g}:")
        ons = [m for m in track if m.type == "note_on" and m.velocity > 0]
        assert len(ons) == np.sum(group == g)
        channels.append({m.channel for m in ons})
    assert channels[2] == {DRUM_CHANNEL}
    assert channels[0] != channels[1] and DRUM_CHANNEL not in channels[0] | channels[1]
    assert all(len(c) == 1 for c in channels)
    one = tmp_path / "one.mid"
    assert main(["export", str(path), str(one), "--single-track"]) == 0
    assert len(mido.MidiFile(one).tracks) == 2


def test_instrument_channels_skip_the_drum_channel():
    from eventcodec.export.midi import instrument_channels

    assert instrument_channels([True] * 10 + [False]) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 9]


def test_muting_an_instrument_takes_its_texture_too(three, tmp_path):
    from eventcodec.texture.grid import N_BANDS, Texture, n_frames_for

    es, _ = three
    codes = np.full((n_frames_for(es.n_samples), N_BANDS), 8, np.uint8)  # -54 dB: a texture under every event
    textured = tmp_path / "tex.evc"
    textured.write_bytes(es.replace(texture=Texture(codes)).to_bytes())
    follows, stays = tmp_path / "follows.evc", tmp_path / "stays.evc"
    assert main(["edit", str(textured), str(follows), "--instrument", "0", "--mute", "-q"]) == 0
    assert main(["edit", str(textured), str(stays), "--instrument", "0", "--mute", "--texture-stays", "-q"]) == 0
    assert np.array_equal(EventSet.from_bytes(stays.read_bytes()).texture.codes, codes)
    after = EventSet.from_bytes(follows.read_bytes()).texture.codes
    assert after.sum() < codes.sum() and after.max() <= codes.max()


def test_cli_instrument_in_filters_keeps_the_input_numbering_through_the_chain(evc3, tmp_path):
    path, es, group = evc3
    a = tmp_path / "a.evc"
    # after instrument 0 is deleted, "instrument == 1" still means the input's instrument 1 (re-clustering the
    # rest would have renumbered it 0, and the drums 1)
    assert main(["edit", str(path), str(a), "--delete", "instrument == 0", "--where", "instrument == 1",
                 "--gain", "-6", "-q"]) == 0
    out = EventSet.from_bytes(a.read_bytes())
    assert len(out) == 16
    amp = controls.index_of("amp_db")
    kept = group[group != 0]
    diff = controls.to_physical(out.vectors)[:, amp] - controls.to_physical(es.vectors[group != 0])[:, amp]
    np.testing.assert_allclose(diff[kept == 1], -6.0, atol=0.2)
    np.testing.assert_allclose(diff[kept == 2], 0.0, atol=1e-6)


def test_at_most_16_instruments_and_4_drum_groups(monkeypatch):
    rng = np.random.default_rng(0)
    n = 400
    es = EventSet(np.sort(rng.integers(0, 10 * 22050, n)), rng.random((n, 32)).astype(np.float32),
                  n_samples=10 * 22050)
    monkeypatch.setattr(ins, "CUT_SSE_PER_EVENT", 1e-6)  # a cut that would make a group of nearly every event
    bank = ins.fit_bank(es)
    assert len(bank) == ins.MAX_INSTRUMENTS and (~bank.pitched).sum() == ins.MAX_DRUM_GROUPS
    labels = ins.instruments(es)
    assert labels.min() == 0 and labels.max() == 15


def test_timbre_from_gives_k_the_timbre_of_js_typical_event(three):
    es, group = three
    out = ins.timbre_from(es, group, 1, 0)
    cols = np.array([controls.index_of(n) for n in ins.TIMBRE_WEIGHTS])
    ref = ins.typical_event(es, group, 0)
    assert group[ref] == 0
    np.testing.assert_array_equal(out.vectors[np.ix_(group == 1, cols)],
                                  np.broadcast_to(es.vectors[ref, cols], ((group == 1).sum(), len(cols))))
    others = np.setdiff1d(np.arange(es.vectors.shape[1]), cols)  # time, pitch, level, hold_s, room, seed, ...
    np.testing.assert_array_equal(out.vectors[:, others], es.vectors[:, others])
    np.testing.assert_array_equal(out.vectors[group != 1], es.vectors[group != 1])
    np.testing.assert_array_equal(out.times, es.times)
    # the held dark events now sound struck and bright: labelled as instrument 0 by the input's bank
    assert np.all(ins.assign(out, ins.fit_bank(es))[group == 1] == 0)


def test_cli_timbre_from_changes_the_sound_and_errors_are_one_line(evc3, tmp_path, capsys):
    from eventcodec.codec import decode

    path, es, group = evc3
    out = tmp_path / "out.evc"
    assert main(["edit", str(path), str(out), "--instrument", "1", "--timbre-from", "0", "-q"]) == 0
    got = EventSet.from_bytes(out.read_bytes())
    np.testing.assert_array_equal(got.vectors, ins.timbre_from(es, group, 1, 0).vectors)
    assert not np.allclose(decode(got), decode(es), atol=1e-3)
    out.unlink()
    for argv, message in ((["--instrument", "1", "--timbre-from", "5"], "--timbre-from 5: the input has 3"),
                          (["--instrument", "1", "--timbre-from", "1"], "is --instrument 1 itself"),
                          (["--timbre-from", "0"], "--timbre-from needs --instrument K"),
                          (["--instrument", "1", "--timbre-from", "x"], "--timbre-from wants an integer")):
        assert main(["edit", str(path), str(out), *argv]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("eventcodec: error:") and message in err and "\n" not in err
        assert not out.exists()


def test_timbre_from_follows_into_the_texture(three, tmp_path):
    from eventcodec.texture.grid import N_BANDS, Texture, n_frames_for

    es, _ = three
    codes = np.full((n_frames_for(es.n_samples), N_BANDS), 8, np.uint8)
    textured = tmp_path / "tex.evc"
    textured.write_bytes(es.replace(texture=Texture(codes)).to_bytes())
    follows, stays = tmp_path / "follows.evc", tmp_path / "stays.evc"
    assert main(["edit", str(textured), str(follows), "--instrument", "1", "--timbre-from", "0", "-q"]) == 0
    assert main(["edit", str(textured), str(stays), "--instrument", "1", "--timbre-from", "0", "--texture-stays",
                 "-q"]) == 0
    assert np.array_equal(EventSet.from_bytes(stays.read_bytes()).texture.codes, codes)
    assert not np.array_equal(EventSet.from_bytes(follows.read_bytes()).texture.codes, codes)
