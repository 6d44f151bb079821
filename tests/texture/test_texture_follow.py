"""The texture follows edits of the events beside it."""

from __future__ import annotations

import numpy as np

from eventcodec import edit
from eventcodec.codec import decode, encode
from eventcodec.encode import EncodeOptions
from eventcodec.texture.follow import MAX_RATIO, follow, follow_edit
from eventcodec.texture.grid import N_BANDS, Texture, codes_to_levels, levels_to_codes

SR = 22050


def test_a_claimed_cell_follows_its_events_and_a_free_one_stays() -> None:
    t = np.full((3, N_BANDS), 1.0)
    texture = Texture(levels_to_codes(t))
    level = codes_to_levels(texture.codes)
    before = np.zeros((3, N_BANDS))
    before[0, 0] = 10.0  # frame 0, band 0: an event louder than the texture
    after = before.copy()
    after[0, 0] = 0.0  # deleted
    out = codes_to_levels(follow(texture, before, after).codes)
    # the deletion takes the texture of its band (and the frames near it) down, other bands stay
    assert out[0, 0] < level[0, 0] * 1e-3
    assert np.array_equal(out[:, 1:], level[:, 1:])


def test_a_louder_event_raises_its_texture_at_most_by_the_cap() -> None:
    texture = Texture(levels_to_codes(np.full((2, N_BANDS), 1.0)))
    before = np.full((2, N_BANDS), 1.0)
    out = codes_to_levels(follow(texture, before, before * 100.0).codes)
    level = codes_to_levels(texture.codes)
    assert np.all(out <= level * MAX_RATIO * 1.5) and np.all(out > level)  # 6 dB steps of the code grid


def test_deleting_the_bass_takes_the_texture_bass_too() -> None:
    t = np.arange(3 * SR) / SR
    rng = np.random.default_rng(0)
    bass = sum(0.3 / k * np.sin(2 * np.pi * 98.0 * k * t) for k in range(1, 5)) * np.exp(-t / 2.0)
    high = sum(0.1 / k * np.sin(2 * np.pi * 880.0 * k * t) for k in range(1, 4)) * np.exp(-t / 1.0)
    audio = (bass + high + 0.003 * rng.standard_normal(len(t))).astype(np.float32)
    events = encode(audio, SR, "abs", EncodeOptions())
    assert events.texture is not None
    bassless = edit.delete(events, "f0_hz < 200 and tonal_mix >= 0.5")
    assert 0 < len(bassless) < len(events)
    followed = follow_edit(events, bassless)

    def low_db(x: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / SR)
        return float(10 * np.log10(spec[(f > 20) & (f < 200)].sum() + 1e-20))

    ref = low_db(decode(events))
    stays, follows = low_db(decode(bassless)) - ref, low_db(decode(followed)) - ref
    assert follows < stays - 6.0, (stays, follows)
    assert follow_edit(events, events).texture == events.texture  # no edit, no change
