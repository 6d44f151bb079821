import numpy as np
import pytest

from eventcodec.baselines.gabor import encode_gabor, matching_pursuit
from eventcodec.baselines.gabor_atoms import SCALES, GaborAtoms, synthesize
from eventcodec.baselines.gabor_format import atoms_from_bytes, atoms_to_bytes
from eventcodec.errors import EventCodecError, FormatError

SR = 22050


def _two_atoms() -> GaborAtoms:
    # starts on each scale's time grid (hop = scale / 4, counted from -max(SCALES))
    pad = max(SCALES)
    return GaborAtoms(
        start=np.array([4 * 1024 - pad, 40 * 256 - pad], dtype=np.int64),
        scale=np.array([1, 2], dtype=np.uint8),
        freq=np.array([150, 60], dtype=np.uint8),
        amp=np.array([230, 220], dtype=np.uint8),
        phase=np.array([17, 200], dtype=np.uint8),
        sample_rate=SR,
        n_samples=16384,
    )


def test_mp_reconstructs_a_sum_of_two_gabor_atoms():
    x = synthesize(_two_atoms())
    found = matching_pursuit(x, SR, n_atoms=2)
    y = synthesize(found)
    snr_db = 10 * np.log10(np.sum(x.astype(np.float64) ** 2) / (np.sum((x - y).astype(np.float64) ** 2) + 1e-30))
    assert snr_db > 40
    assert sorted(found.freq.tolist()) == [60, 150]


def test_gab_bytes_round_trip_and_bitrate_target():
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal(SR)).astype(np.float32)
    atoms = encode_gabor(x, SR, bitrate_kbps=4.0)
    data = atoms_to_bytes(atoms)
    assert len(data) * 8 / 1000 <= 4.0 + 1e-9
    assert len(data) * 8 / 1000 > 3.0  # the prefix search uses the budget
    back = atoms_from_bytes(data)
    np.testing.assert_array_equal(synthesize(back), synthesize(atoms))
    assert atoms_to_bytes(back) == data


def test_more_atoms_reduce_the_error():
    rng = np.random.default_rng(1)
    x = np.convolve(rng.standard_normal(SR // 2), np.hanning(64), "same").astype(np.float32) * 0.05
    err = [np.sum((x - synthesize(encode_gabor(x, SR, atoms_per_second=a))) ** 2) for a in (20, 200)]
    assert err[1] < err[0] < np.sum(x**2)


def test_bad_gab_bytes_and_bad_arguments_are_user_errors():
    with pytest.raises(FormatError):
        atoms_from_bytes(b"XXXX" + bytes(30))
    data = atoms_to_bytes(_two_atoms())
    with pytest.raises(FormatError):
        atoms_from_bytes(data[:-3])
    with pytest.raises(EventCodecError):
        encode_gabor(np.zeros(100, np.float32), SR)
