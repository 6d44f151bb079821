"""Seeded MIDI pieces with known notes, rendered by fluidsynth: the note benchmark's material.

Each piece is 10 s of one instrument family (GM programs), polyphony up to 4, written as a standard
MIDI file with its note list as ground truth. Families: piano, plucked, mallets, strings, winds,
drums + bass. Seeds below DEV_SEEDS_END are the development split (tune on these); the rest are test.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eventcodec.errors import EventCodecError

SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
PIECE_S = 10.0
DEV_SEEDS_END = 100  # seeds 0-99: dev; 100 and up: test
# family -> (GM programs it draws from, lowest and highest MIDI pitch, typical note length s, sustained)
FAMILIES: dict[str, tuple[tuple[int, ...], int, int, float]] = {
    "piano": ((0, 1, 2, 4), 36, 88, 0.5),
    "plucked": ((24, 25, 27, 46, 105), 40, 84, 0.5),
    "mallets": ((8, 11, 12, 13, 14), 48, 96, 0.4),
    "strings": ((40, 41, 42, 48, 49), 40, 88, 0.9),
    "winds": ((56, 60, 65, 68, 71, 73), 48, 88, 0.7),
    "drums_bass": ((32, 33, 34, 38), 28, 55, 0.45),
}
DRUM_KEYS = (36, 38, 42, 46, 45, 49)  # kick, snare, closed hat, open hat, tom, crash


@dataclass(frozen=True)
class Note:
    """One note of a piece: onset and offset in seconds, MIDI pitch, velocity, and whether it is a drum hit."""

    onset_s: float
    offset_s: float
    pitch: int
    velocity: int
    is_drum: bool = False

    @property
    def f0_hz(self) -> float:
        return float(440.0 * 2 ** ((self.pitch - 69) / 12))


@dataclass(frozen=True)
class Piece:
    """A seeded piece: its family, GM program, notes and MIDI file path."""

    name: str
    family: str
    program: int
    notes: tuple[Note, ...]
    split: str


def make_notes(family: str, seed: int, max_polyphony: int = 4) -> tuple[int, list[Note]]:
    """(GM program, notes) of a seeded 10 s piece of `family`: chords of 1..max_polyphony notes on a grid."""
    programs, lo, hi, length_s = FAMILIES[family]
    rng = np.random.default_rng(seed * 7919 + list(FAMILIES).index(family))
    program = int(rng.choice(programs))
    notes: list[Note] = []
    t = 0.25
    while t < PIECE_S - 1.0:
        n = int(rng.integers(1, max_polyphony + 1))
        root = int(rng.integers(lo, hi - 12))
        chord = sorted({root + int(s) for s in rng.choice([0, 3, 4, 5, 7, 9, 12, 16], size=n, replace=False)})
        dur = float(length_s * rng.choice([0.5, 1.0, 1.5]))
        vel = int(rng.integers(60, 115))
        notes += [Note(t, t + dur, p, int(np.clip(vel + rng.integers(-10, 10), 30, 127))) for p in chord if p <= hi]
        t += dur + float(rng.choice([0.0, 0.0, 0.15, 0.3]))
    if family == "drums_bass":
        beat = 0.25
        for k in range(int((PIECE_S - 1.0) / beat)):
            at = 0.25 + k * beat
            for key in DRUM_KEYS:
                p = {36: 0.5 if k % 2 == 0 else 0.1, 38: 0.5 if k % 4 == 2 else 0.05, 42: 0.5, 46: 0.05,
                     45: 0.05, 49: 0.04 if k % 16 == 0 else 0.0}[key]
                if rng.random() < p:
                    notes.append(Note(at, at + 0.1, key, int(rng.integers(70, 120)), is_drum=True))
    return program, sorted(notes, key=lambda n: (n.onset_s, n.pitch))


def write_midi(path: Path, program: int, notes: list[Note]) -> None:
    """A one-track MIDI file (120 bpm, 960 ticks per second); drums on channel 10."""
    import mido

    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    track.append(mido.Message("program_change", program=program, channel=0, time=0))
    msgs: list[tuple[float, int, mido.Message]] = []
    for n in notes:
        ch = 9 if n.is_drum else 0
        msgs.append((n.onset_s, 1, mido.Message("note_on", note=n.pitch, velocity=n.velocity, channel=ch)))
        msgs.append((n.offset_s, 0, mido.Message("note_off", note=n.pitch, velocity=0, channel=ch)))
    now = 0.0
    for at, _, msg in sorted(msgs, key=lambda m: (m[0], m[1])):
        track.append(msg.copy(time=round((at - now) * 960)))
        now = at
    mid.save(str(path))


def render_midi(midi: Path, sample_rate: int = 22050, gain: float = 0.6) -> np.ndarray:
    """Render a MIDI file with fluidsynth and FluidR3 GM: mono float32 at `sample_rate`, reverb and chorus off."""
    import soundfile as sf

    if shutil.which("fluidsynth") is None or not SOUNDFONT.is_file():
        raise EventCodecError("rendering MIDI needs fluidsynth and fluid-soundfont-gm (apt install them)")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp, "x.wav")
        subprocess.run(["fluidsynth", "-ni", "-q", "-R", "0", "-C", "0", "-g", str(gain), "-F", str(wav),
                        "-r", str(sample_rate), str(SOUNDFONT), str(midi)], check=True, capture_output=True)
        audio, _ = sf.read(wav, dtype="float32", always_2d=True)
    return np.ascontiguousarray(audio.mean(axis=1))


def piece(family: str, seed: int) -> Piece:
    """The seeded piece of `family` (no audio)."""
    program, notes = make_notes(family, seed)
    return Piece(f"{family}_{seed}", family, program, tuple(notes), "dev" if seed < DEV_SEEDS_END else "test")


def render_piece(p: Piece, sample_rate: int = 22050) -> np.ndarray:
    """Audio of a piece, PIECE_S + 1 s long (the last notes ring out)."""
    with tempfile.TemporaryDirectory() as tmp:
        midi = Path(tmp, "p.mid")
        write_midi(midi, p.program, list(p.notes))
        audio = render_midi(midi, sample_rate)
    n = int((PIECE_S + 1.0) * sample_rate)
    return np.pad(audio, (0, max(0, n - len(audio))))[:n]


def read_midi_notes(path: Path) -> list[Note]:
    """The notes of a MIDI file (any tempo map; channel 10 is drums), sorted by onset."""
    import mido

    notes: list[Note] = []
    pending: dict[tuple[int, int], tuple[float, int]] = {}
    t = 0.0
    for msg in mido.MidiFile(str(path)):  # iterating a MidiFile yields messages with times in seconds
        t += msg.time
        if msg.type not in ("note_on", "note_off"):
            continue
        key = (msg.channel, msg.note)
        if key in pending:  # a note-off, or the same note struck again
            on, vel = pending.pop(key)
            notes.append(Note(on, t, msg.note, vel, is_drum=msg.channel == 9))
        if msg.type == "note_on" and msg.velocity > 0:
            pending[key] = (t, msg.velocity)
    notes += [Note(on, t, n, vel, is_drum=ch == 9) for (ch, n), (on, vel) in pending.items()]
    return sorted(notes, key=lambda n: (n.onset_s, n.pitch))
