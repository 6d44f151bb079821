"""One event rendered alone (`render-event`, the stages plot): it starts at the event's onset."""

import numpy as np

from eventcodec.edit.render import event_stages
from eventcodec.synth import decode

SHIFTED_CLICK = {"click_mix": 1.0, "tonal_mix": 0.0, "decay_s": 0.1, "shift_samples": -100.0}


def test_event_stages_start_at_the_onset_of_a_negative_shift(build):
    es = build([SHIFTED_CLICK], [0.5], duration_s=1.0)
    out = event_stages(es, 0)["output"]
    start = int(es.times[0]) - 100
    np.testing.assert_allclose(decode(es)[start : start + len(out)], out, atol=2e-3 * np.abs(out).max())
    assert np.abs(out[:100]).max() == np.abs(out).max()  # the click itself lies before the event time
