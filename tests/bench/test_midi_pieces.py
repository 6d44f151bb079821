"""Seeded MIDI pieces: deterministic, split by seed, and their files read back as the notes written."""

from __future__ import annotations

import numpy as np

from eventcodec.bench.midi_pieces import FAMILIES, piece, read_midi_notes, write_midi


def test_pieces_are_seeded_split_and_polyphonic() -> None:
    a, b = piece("piano", 3), piece("piano", 3)
    assert a == b and piece("piano", 4) != a
    assert piece("winds", 0).split == "dev" and piece("winds", 100).split == "test"
    for fam in FAMILIES:
        p = piece(fam, 100)
        onsets = np.array([n.onset_s for n in p.notes if not n.is_drum])
        _, counts = np.unique(onsets, return_counts=True)
        assert len(p.notes) >= 15 and counts.max() <= 4 and all(n.offset_s > n.onset_s for n in p.notes)
    assert any(n.is_drum for n in piece("drums_bass", 100).notes)


def test_a_written_piece_reads_back(tmp_path) -> None:
    p = piece("drums_bass", 101)
    path = tmp_path / "p.mid"
    write_midi(path, p.program, list(p.notes))
    back = read_midi_notes(path)
    key = lambda n: (round(n.onset_s, 3), n.pitch, n.is_drum)  # noqa: E731
    assert sorted(map(key, back)) == sorted(map(key, p.notes))
    assert max(abs(x.offset_s - y.offset_s) for x, y in zip(sorted(back, key=key), sorted(p.notes, key=key),
                                                            strict=True)) < 2e-3
