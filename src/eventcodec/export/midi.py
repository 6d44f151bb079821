"""The event list as a Standard MIDI File: pitched events become notes, the others drum hits.

Tracks: by default one track per instrument (`edit.instruments`: events grouped by timbre), named
"instrument K: <description>"; pitched instruments get channels 1-9, 11-16 in label order (program 0: the
timbre is not mapped to a General MIDI program), unpitched ones (drums/noise) channel 10. `single_track=True`
writes every event on one track (notes on channel 1, drums on channel 10), as before instruments.

Rule (see `edit.pitched` for "pitched"):
- pitched events -> their instrument's channel, note = nearest MIDI note of `f0_hz`, length = the
  event's gate (attack + hold) when it holds a note (`hold_s` >= `GATE_MIN_S`, as every event of the
  note stage does), else its dry audible duration (to -60 dB, room tail excluded), at least `MIN_NOTE_S`
  and never past the audible end; a note that is re-struck while still sounding is ended at the new onset;
- unpitched events -> channel 10 (General MIDI drums), 1/32-second hits: kick (36) when their
  centre frequency is below 150 Hz, snare (38) below 2 kHz, closed hi-hat (42) above. The centre
  is `f0_hz` when `tonal_mix >= 0.5`, else the geometric mean of the noise band edges;
- velocity = 127 * (1 + amp_db / 60), clipped to 1..127 (-60 dB and below is the softest);
- tempo 120 bpm and 480 ticks per beat, so one tick is 1/960 s and onsets keep ~1 ms precision.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from eventcodec import controls
from eventcodec.edit.pitched import midi_note, pitched_mask
from eventcodec.errors import EventCodecError
from eventcodec.fileio import write_atomic
from eventcodec.types import EventSet

TICKS_PER_BEAT = 480
TEMPO_US_PER_BEAT = 500_000  # 120 bpm
TICKS_PER_S = TICKS_PER_BEAT * 1_000_000 / TEMPO_US_PER_BEAT
NOTE_CHANNEL = 0
DRUM_CHANNEL = 9
MIN_NOTE_S = 0.05
GATE_MIN_S = 0.1
DRUM_HIT_S = 1 / 32
KICK, SNARE, HAT = 36, 38, 42


def velocities(amp_db: np.ndarray) -> np.ndarray:
    """MIDI velocities (n,) 1..127 from peak levels (n,) in dB."""
    return np.clip(np.round(127 * (1 + np.asarray(amp_db) / 60.0)), 1, 127).astype(np.int64)


def drum_notes(events: EventSet) -> np.ndarray:
    """GM drum note (n_events,) for every event by its centre frequency (rule in the module docstring)."""
    p = controls.to_physical(events.vectors)

    def col(name: str) -> np.ndarray:
        return p[:, controls.index_of(name)]

    noise_centre = np.sqrt(col("noise_lowpass_hz") * col("noise_highpass_hz"))
    centre = np.where(col("tonal_mix") >= 0.5, col("f0_hz"), noise_centre)
    return np.where(centre < 150, KICK, np.where(centre < 2000, SNARE, HAT)).astype(np.int64)


def note_lengths_s(events: EventSet) -> np.ndarray:
    """Seconds (n_events,) each event lasts as a MIDI note: its gate (attack + hold) when it holds a note
    (hold_s >= GATE_MIN_S: the note stage gives every note its length), else its dry audible duration."""
    from eventcodec.edit.durations import audible_durations_s

    p = controls.to_physical(events.vectors)
    gate = p[:, controls.index_of("attack_s")] + p[:, controls.index_of("hold_s")]
    audible = audible_durations_s(events, include_room=False)
    out: np.ndarray = np.where(p[:, controls.index_of("hold_s")] >= GATE_MIN_S, np.minimum(gate, audible), audible)
    return out


def note_events(events: EventSet, durations_s: np.ndarray, channels: np.ndarray | None = None
                ) -> list[tuple[int, str, int, int, int, int]]:
    """Absolute-time messages (tick, kind, channel, note, velocity, event index), kind "on"/"off", sorted for
    writing. `channels` (n_events,) gives each pitched event its channel (default `NOTE_CHANNEL`); unpitched
    events always go to `DRUM_CHANNEL`."""
    p = controls.to_physical(events.vectors)
    pitched = pitched_mask(events)
    if channels is None:
        channels = np.full(len(events), NOTE_CHANNEL)
    notes = np.where(pitched, midi_note(p[:, controls.index_of("f0_hz")]), drum_notes(events))
    vel = velocities(p[:, controls.index_of("amp_db")])
    on_ticks = np.round(events.times / events.sample_rate * TICKS_PER_S).astype(np.int64)
    lengths_s = np.where(pitched, np.maximum(durations_s, MIN_NOTE_S), DRUM_HIT_S)
    off_ticks = on_ticks + np.maximum(1, np.round(lengths_s * TICKS_PER_S)).astype(np.int64)
    msgs: list[tuple[int, str, int, int, int, int]] = []
    last: dict[tuple[int, int], int] = {}  # (channel, note) -> index in msgs of its pending note-off
    for i in np.argsort(on_ticks, kind="stable"):
        ch = int(channels[i]) if pitched[i] else DRUM_CHANNEL
        key = (ch, int(notes[i]))
        if key in last and msgs[last[key]][0] > on_ticks[i]:
            _, kind, c, n, v, j = msgs[last[key]]
            msgs[last[key]] = (int(on_ticks[i]), kind, c, n, v, j)  # re-struck: end the old note here
        msgs.append((int(on_ticks[i]), "on", ch, key[1], int(vel[i]), int(i)))
        last[key] = len(msgs)
        msgs.append((int(off_ticks[i]), "off", ch, key[1], 0, int(i)))
    # offs before ons at the same tick, so a re-struck note is not cut by its own predecessor's off
    msgs.sort(key=lambda m: (m[0], 0 if m[1] == "off" else 1))
    return msgs


def instrument_channels(pitched: Sequence[bool]) -> list[int]:
    """MIDI channel (0-based) of each instrument: drums 9, pitched ones 0-8, 10-15 in order (wrapping after 15)."""
    melodic = [c for c in range(16) if c != DRUM_CHANNEL]
    out, n = [], 0
    for is_pitched in pitched:
        out.append(melodic[n % len(melodic)] if is_pitched else DRUM_CHANNEL)
        n += bool(is_pitched)
    return out


def _track(name: str, programs: Sequence[int], msgs: list[tuple[int, str, int, int, int, int]]) -> object:
    """One MIDI track: its name, a program change per melodic channel it uses, then its notes."""
    import mido

    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name=name, time=0))
    for ch in programs:
        track.append(mido.Message("program_change", channel=ch, program=0, time=0))
    now = 0
    for tick, kind, ch, note, vel, _ in msgs:
        msg_type = "note_on" if kind == "on" else "note_off"
        track.append(mido.Message(msg_type, channel=ch, note=note, velocity=vel, time=tick - now))
        now = tick
    return track


def to_midi(events: EventSet, durations_s: Sequence[float] | np.ndarray | None = None,
            single_track: bool = False) -> object:
    """A `mido.MidiFile` (type 1: a tempo track, then one track per instrument, or one for all events).

    Args:
        events: a controls-space set.
        durations_s: audible duration (n_events,) in seconds of each event; None asks the synthesizer
            for the dry (room-less) duration, `edit.durations.audible_durations_s(include_room=False)`.
        single_track: all events on one track (notes on channel 1, drums on 10) instead of one per instrument.

    Raises:
        EventCodecError: a latent set (its pitch is unknown).
    """
    import mido

    from eventcodec.edit.instruments import describe, instruments

    if events.space != "controls":
        raise EventCodecError("MIDI export needs an event set in the controls space (this one is latent)")
    if durations_s is None:
        durations_s = note_lengths_s(events)
    durations = np.asarray(durations_s, dtype=np.float64)
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    meta = mido.MidiTrack()
    meta.append(mido.MetaMessage("set_tempo", tempo=TEMPO_US_PER_BEAT, time=0))
    meta.append(mido.MetaMessage("track_name", name="eventcodec", time=0))
    mid.tracks.append(meta)
    if single_track:
        mid.tracks.append(_track("events", [NOTE_CHANNEL], note_events(events, durations)))
        return mid
    labels = instruments(events)
    infos = describe(events, labels)
    channel_of = dict(zip([i.index for i in infos], instrument_channels([i.pitched for i in infos]), strict=True))
    msgs = note_events(events, durations, np.array([channel_of[int(k)] for k in labels], dtype=np.int64))
    for info in infos:
        ch = channel_of[info.index]
        mine = [m for m in msgs if labels[m[5]] == info.index]
        mid.tracks.append(_track(f"instrument {info.index}: {info.description}",
                                 [] if ch == DRUM_CHANNEL else [ch], mine))
    return mid


def write_midi(events: EventSet, path: str | os.PathLike[str],
               durations_s: Sequence[float] | np.ndarray | None = None, single_track: bool = False) -> None:
    """Write the MIDI file atomically (rule in the module docstring)."""
    mid = to_midi(events, durations_s, single_track)
    write_atomic(path, lambda tmp: mid.save(tmp))  # type: ignore[attr-defined]
