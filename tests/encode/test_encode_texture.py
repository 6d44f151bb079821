"""The encoder's noise texture on real music: measured against the file's own events, within the bitrate."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from eventcodec import metrics
from eventcodec.audio import example_path, load
from eventcodec.codec import decode, encode
from eventcodec.controls import CONTROLS, INDEX
from eventcodec.encode import EncodeOptions
from eventcodec.texture.analyse import CONTEXT, residual_codes, residual_power
from eventcodec.texture.grid import FRAME_SAMPLES, SEGMENT_FRAMES, band_of_bin
from eventcodec.texture.mask import segment_mask
from eventcodec.types import SAMPLE_RATE, EventSet

SECONDS = 8.0
KBPS = 3.0


@pytest.fixture(scope="module")
def coded() -> dict[str, Any]:
    audio, _ = load(example_path())
    x = audio[: int(SECONDS * SAMPLE_RATE)]
    es = encode(x, SAMPLE_RATE, "abs", EncodeOptions(quality="fast", bitrate_kbps=KBPS))
    data = es.to_bytes()
    return {"x": x, "data": data, "events": EventSet.from_bytes(data)}


def _as_measured(es: EventSet) -> EventSet:
    """The events as the texture was measured against them: before the encoder matched the loudness."""
    amp = CONTROLS[INDEX["amp_db"]]
    vectors = es.vectors.copy()
    vectors[:, INDEX["amp_db"]] -= es.meta.get("level_match_db", 0.0) / (amp.max - amp.min)
    return es.replace(vectors=vectors)


def test_the_texture_is_what_the_file_s_events_leave_unexplained(coded: dict[str, Any]) -> None:
    """The streaming measurement equals a whole-file analysis of the decoded events (as the file holds them)."""
    es, x = coded["events"], coded["x"]
    assert es.texture is not None and es.texture.n_frames == -(-len(x) // FRAME_SAMPLES)
    n = es.texture.n_frames * FRAME_SAMPLES
    events_only = decode(_as_measured(es), texture=False)
    pad = (CONTEXT, n - len(x) + CONTEXT)
    offline = residual_codes(np.pad(x, pad), np.pad(events_only, pad), SAMPLE_RATE)
    same = offline == es.texture.codes
    assert same.mean() > 0.98
    assert np.abs(offline.astype(int) - es.texture.codes.astype(int)).max() <= 1


def test_the_mask_marks_what_the_file_s_events_miss(coded: dict[str, Any]) -> None:
    """The streamed mask rows equal a whole-file analysis: each segment's bins above their band's mean."""
    es, x = coded["events"], coded["x"]
    assert es.texture is not None
    n = es.texture.n_frames * FRAME_SAMPLES
    pad = (CONTEXT, n - len(x) + CONTEXT)
    band_power, low_power = residual_power(np.pad(x, pad), np.pad(decode(_as_measured(es), texture=False), pad),
                                          SAMPLE_RATE)
    rows = []
    for s in range(0, len(band_power), SEGMENT_FRAMES):
        rows.append(segment_mask(low_power[s : s + SEGMENT_FRAMES].mean(axis=0, keepdims=True),
                                 band_power[s : s + SEGMENT_FRAMES].mean(axis=0, keepdims=True),
                                 band_of_bin(SAMPLE_RATE))[0])
    offline = np.array(rows)
    assert es.texture.mask.shape == offline.shape
    assert 0.1 < offline.mean() < 0.6  # partials the events miss, not every bin
    assert (offline == es.texture.mask).mean() > 0.95


def test_texture_bits_count_toward_the_bitrate(coded: dict[str, Any]) -> None:
    kbps = len(coded["data"]) * 8 / SECONDS / 1000
    assert kbps <= KBPS  # the whole file: events, texture and the container
    plain = coded["events"].replace(texture=None).to_bytes()
    assert 0.2 < (len(coded["data"]) - len(plain)) * 8 / SECONDS / 1000 < 1.5  # the texture's share


def test_texture_fills_the_time_frequency_holes_of_the_events(coded: dict[str, Any]) -> None:
    es, x = coded["events"], coded["x"]
    with_texture = metrics.st_corr(x, decode(es)[: len(x)], SAMPLE_RATE)
    events_only = metrics.st_corr(x, decode(es, texture=False)[: len(x)], SAMPLE_RATE)
    assert with_texture > events_only + 0.05


def test_no_texture_option_writes_events_only() -> None:
    audio, _ = load(example_path())
    es = encode(audio[: 2 * SAMPLE_RATE], SAMPLE_RATE, "abs", EncodeOptions(quality="fast", texture=False))
    data = es.to_bytes()
    assert es.texture is None and data[8] == 3 and EventSet.from_bytes(data).texture is None  # version 3, no texture


def test_silence_has_a_silent_texture() -> None:
    es = encode(np.zeros(3 * SAMPLE_RATE, np.float32), SAMPLE_RATE, "abs", EncodeOptions(quality="fast"))
    assert len(es) == 0 and es.texture is not None and not es.texture.codes.any()
    plain = es.replace(texture=None).to_bytes()
    assert len(es.to_bytes()) - len(plain) < 100 + 30 * 2  # the header's texture key, ~20 bytes per silent chunk
