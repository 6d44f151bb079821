"""The input's level, kept: its loudness and peak measured while streaming, the events' gains matched to it.

The pursuit fits each window's spectrum, not its loudness, so a file's decode can land a dB or two off the
input (events are fitted on power, the texture is coded in 6 dB steps). `match_loudness` decodes the encoded
set once (events alone, then with the texture), and scales every event's `amp_db` so the decode's integrated
loudness (BS.1770) equals the input's: powers add, so g^2 P_events + P_texture = P_input. The input's true
peak rides in the header so that the decoder can keep the output under it (`cli/codec.py`). The texture was
measured against the events before the shift; the header records the shift (`level_match_db`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

import numpy as np

from eventcodec.loudness import Level, LoudnessMeter
from eventcodec.types import SAMPLE_RATE, EventSet

MAX_CORRECTION_DB = 3.0  # events-only decodes land within ~1.5 dB; a larger shift would only trade events for texture
DEADBAND_DB = 0.5  # a decode this close to the input's loudness is left as encoded
TOLERANCE_DB = 0.05


def metered(blocks: Iterable[np.ndarray], meter: LoudnessMeter) -> Iterator[np.ndarray]:
    """`blocks` unchanged, each pushed through `meter` on the way."""
    for block in blocks:
        meter.push(block)
        yield block


def level_meta(level: Level) -> dict[str, float]:
    """The header's record of the input level (finite values only: JSON has no infinities)."""
    out = {"input_lufs": level.lufs, "input_true_peak_dbfs": level.true_peak_dbfs}
    return {k: round(v, 2) for k, v in out.items() if math.isfinite(v)}


def decoded_lufs(events: EventSet, texture: bool) -> float:
    """Integrated loudness of `events` decoded (with or without its texture), streamed."""
    from eventcodec.synth.decode import decode_chunks

    meter = LoudnessMeter(events.sample_rate)
    for block in decode_chunks(events, texture=texture):
        meter.push(block)
    return meter.result().lufs


def match_loudness(events: EventSet, input_lufs: float) -> EventSet:
    """`events` with every `amp_db` shifted so that its decode has loudness `input_lufs` (within the
    controls' range and +-MAX_CORRECTION_DB); unchanged when the input or the events are silent, or when the
    decode is already within DEADBAND_DB (where the texture carries most of the power, moving the events to
    correct a fraction of a dB would move them by far more)."""
    from eventcodec.controls import CONTROLS, INDEX

    if not len(events) or not math.isfinite(input_lufs) or events.sample_rate != SAMPLE_RATE:
        return events
    p_events = _power(decoded_lufs(events, texture=False))
    if p_events <= 0.0:
        return events
    p_all = _power(decoded_lufs(events, texture=True)) if events.texture is not None else p_events
    if abs(10.0 * math.log10(p_all / _power(input_lufs))) <= DEADBAND_DB:
        return events
    p_texture = max(p_all - p_events, 0.0)
    wanted = _power(input_lufs) - p_texture
    if wanted <= 0.0:  # the texture alone is already as loud: the events go as low as allowed
        shift_db = -MAX_CORRECTION_DB
    else:
        shift_db = float(np.clip(10.0 * math.log10(wanted / p_events), -MAX_CORRECTION_DB, MAX_CORRECTION_DB))
    if abs(shift_db) < TOLERANCE_DB:
        return events
    amp = CONTROLS[INDEX["amp_db"]]
    vectors = events.vectors.copy()
    vectors[:, INDEX["amp_db"]] = np.clip(vectors[:, INDEX["amp_db"]] + shift_db / (amp.max - amp.min), 0.0, 1.0)
    return events.replace(vectors=vectors, meta={**events.meta, "level_match_db": round(shift_db, 3)})


def _power(lufs: float) -> float:
    return 10.0 ** (lufs / 10.0) if math.isfinite(lufs) else 0.0
