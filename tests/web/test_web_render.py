"""What the studio plays for one event: its audio and stages start at its onset, as `decode` places it."""

from __future__ import annotations

import numpy as np

from eventcodec import controls
from eventcodec.synth import decode
from eventcodec.types import EventSet
from eventcodec.web import render


def _shifted_clicks(times: list[int]) -> EventSet:
    """Short dry clicks, each 100 samples before its event time (fine shift -100)."""
    phys = controls.to_physical(np.tile(controls.default_unit_vector(), (len(times), 1)))
    for name, value in (("shift_samples", -100.0), ("click_mix", 1.0), ("decay_s", 0.1), ("room_wet", 0.0)):
        phys[:, controls.INDEX[name]] = value
    return EventSet(np.array(times), controls.to_unit(phys).astype(np.float32), n_samples=22050)


def test_event_audio_and_stages_start_at_the_onset_of_a_negative_shift() -> None:
    events = _shifted_clicks([50, 4000])
    for index, lead in ((0, 50), (1, 100)):  # never before the file's start
        assert render.onset_lead(events, index) == lead
        one, stages = render.single_event(events, index), render.stages(events, index)
        assert len(one) == len(stages["output"]) == render.event_length(events, index) + lead
        start = int(events.times[index]) - lead
        np.testing.assert_allclose(one, decode(events.select(np.array([index])))[start : start + len(one)], atol=1e-6)
        np.testing.assert_allclose(stages["output"], one, atol=2e-3 * np.abs(one).max())
    assert np.abs(one[:100]).max() == np.abs(one).max()  # the click lies before the event time


def test_one_event_plays_without_the_set_s_noise_texture() -> None:
    from eventcodec.texture.grid import N_BANDS, Texture
    from eventcodec.web.sessions import events_digest

    events = _shifted_clicks([50, 4000])
    loud = Texture(np.full((11, N_BANDS), 15, np.uint8))
    textured = events.replace(texture=loud)
    np.testing.assert_array_equal(render.single_event(textured, 1), render.single_event(events, 1))
    assert np.abs(render.decoded(textured) - render.decoded(events)).max() > 1e-3  # the whole decode has it
    assert events_digest(textured) != events_digest(events)  # and the cache tells them apart
