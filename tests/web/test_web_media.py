"""PNG, WAV and spectrogram bytes of the studio, checked against independent decoders."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf
from matplotlib import image as mpimg

from eventcodec.web.media import F_MIN_HZ, N_ROWS, log_frequency_db, png_bytes, spectrogram_image, wav_bytes


def test_png_bytes_decode_to_the_same_pixels() -> None:
    rgb = np.random.default_rng(0).integers(0, 256, (7, 13, 3), dtype=np.uint8)
    back = mpimg.imread(io.BytesIO(png_bytes(rgb)), format="png")
    assert back.shape == (7, 13, 3)
    assert np.array_equal(np.round(back * 255).astype(np.uint8), rgb)


def test_wav_bytes_round_trip_and_clip() -> None:
    x = np.array([0.0, 0.5, -0.25, 2.0, -3.0], dtype=np.float32)
    y, sr = sf.read(io.BytesIO(wav_bytes(x, 22050)), dtype="float32")
    assert sr == 22050 and sf.info(io.BytesIO(wav_bytes(x, 22050))).subtype == "PCM_16"
    assert np.allclose(y, np.clip(x, -1, 1), atol=1 / 32767)


def test_log_frequency_rows_put_a_sine_at_its_frequency() -> None:
    n_bins, sr = 1025, 22050
    mag = np.full((n_bins, 4), 1e-6)
    mag[round(1000 / (sr / 2) * (n_bins - 1)), :] = 1.0  # a 1 kHz line
    db = log_frequency_db(mag, sr)
    assert db.shape == (N_ROWS, 4) and db.max() == 0.0
    expected_row = np.log(1000 / F_MIN_HZ) / np.log((sr / 2) / F_MIN_HZ) * (N_ROWS - 1)
    assert abs(int(np.argmax(db[:, 0])) - expected_row) <= 1.5


def test_spectrogram_image_has_low_frequencies_at_the_bottom() -> None:
    t = np.arange(22050) / 22050
    img = spectrogram_image(0.5 * np.sin(2 * np.pi * 110 * t), 22050)
    assert img.shape == (N_ROWS, 22050 // 256, 3) and img.dtype == np.uint8
    brightest = int(np.argmax(img[:, 40].astype(int).sum(axis=1)))
    assert brightest > N_ROWS // 2  # 110 Hz sits in the lower half (row 0 is the top)
