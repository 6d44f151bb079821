"""audio.py: rates, downmix, the ffmpeg path, clipping/DC reports, bad files, block streaming, wav output."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eventcodec.audio import BLOCK_SAMPLES, example_path, iter_blocks, load, save_wav, save_wav_blocks, to_pcm16
from eventcodec.errors import AudioError, EventCodecError

SR = 22050


def _tone(freq_hz: float, seconds: float, rate: int, amp: float = 0.5) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * freq_hz * np.arange(int(seconds * rate)) / rate)).astype(np.float32)


def _peak_hz(audio: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(audio * np.hanning(len(audio))))
    return float(np.argmax(spec) * rate / len(audio))


@pytest.mark.parametrize("rate", [8000, 16000, 22050, 44100, 48000, 96000])
def test_any_rate_is_resampled_to_22050(tmp_path: Path, rate: int) -> None:
    path = tmp_path / f"tone_{rate}.wav"
    sf.write(path, _tone(1000.0, 1.5, rate), rate)
    audio, report = load(path)
    assert report.source_rate_hz == rate
    assert abs(len(audio) - round(1.5 * SR)) <= 2
    assert abs(_peak_hz(audio, SR) - 1000.0) < 2.0
    assert 0.45 < np.abs(audio[2000:-2000]).max() < 0.55


def test_stereo_is_downmixed_to_the_mean(tmp_path: Path) -> None:
    x = _tone(440.0, 0.5, SR)
    sf.write(tmp_path / "same.wav", np.stack([x, x], axis=1), SR)
    sf.write(tmp_path / "opposite.wav", np.stack([x, -x], axis=1), SR)
    sf.write(tmp_path / "left.flac", np.stack([x, 0 * x], axis=1), SR)
    same, report = load(tmp_path / "same.wav")
    assert report.source_channels == 2
    np.testing.assert_allclose(same, x, atol=1e-4)
    assert np.abs(load(tmp_path / "opposite.wav")[0]).max() < 1e-4
    np.testing.assert_allclose(load(tmp_path / "left.flac")[0], x / 2, atol=1e-4)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
@pytest.mark.parametrize("ext", ["m4a", "aac"])
def test_ffmpeg_reads_what_libsndfile_cannot(tmp_path: Path, ext: str) -> None:
    src = tmp_path / "src.wav"
    sf.write(src, _tone(660.0, 2.0, 44100), 44100)
    out = tmp_path / f"clip.{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c:a", "aac", "-b:a", "96k", str(out)],
                   check=True, timeout=60)
    with pytest.raises(sf.LibsndfileError):
        sf.info(str(out))  # really the ffmpeg path
    audio, _ = load(out)
    assert abs(len(audio) - 2 * SR) < 0.1 * SR  # AAC adds priming samples
    assert abs(_peak_hz(audio, SR) - 660.0) < 2.0
    assert 0.4 < np.abs(audio[SR // 2 : SR]).max() < 0.6


def test_clipping_and_dc_are_reported(tmp_path: Path) -> None:
    clipped = np.clip(_tone(200.0, 1.0, SR, amp=2.0), -1, 1)
    sf.write(tmp_path / "clip.wav", clipped, SR, subtype="FLOAT")
    _, report = load(tmp_path / "clip.wav")
    assert report.clipped_fraction > 0.3
    assert any("clips" in w for w in report.warnings())
    sf.write(tmp_path / "dc.wav", _tone(200.0, 1.0, SR, amp=0.3) + 0.2, SR)
    _, report = load(tmp_path / "dc.wav")
    assert abs(report.dc_offset - 0.2) < 0.01
    assert any("DC" in w for w in report.warnings())
    sf.write(tmp_path / "clean.wav", _tone(200.0, 1.0, SR, amp=0.3), SR)
    assert load(tmp_path / "clean.wav")[1].warnings() == []


@pytest.mark.parametrize(("name", "content", "message"), [
    ("missing.wav", None, "no such file"),
    ("empty.wav", b"", "empty file"),
    ("notes.txt", b"hello, this is text and not audio\n" * 50, "cannot read"),
    ("fake.wav", b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 10, "cannot read"),
])
def test_bad_files_raise_audio_error(tmp_path: Path, name: str, content: bytes | None, message: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(AudioError, match=message):
        load(path)
    with pytest.raises(AudioError, match=message):
        list(iter_blocks(path))


def test_zero_length_audio_and_directories(tmp_path: Path) -> None:
    sf.write(tmp_path / "zero.wav", np.zeros(0, np.float32), SR)
    with pytest.raises(AudioError, match="no audio samples"):
        load(tmp_path / "zero.wav")
    with pytest.raises(AudioError, match="directory"):
        load(tmp_path)


def test_blocks_have_the_block_size_and_add_up_to_load(tmp_path: Path) -> None:
    x = _tone(300.0, 7.0, 48000)
    sf.write(tmp_path / "long.flac", x, 48000)
    blocks = list(iter_blocks(tmp_path / "long.flac", block_samples=BLOCK_SAMPLES))
    assert all(len(b) == BLOCK_SAMPLES for b in blocks[:-1]) and 0 < len(blocks[-1]) <= BLOCK_SAMPLES
    np.testing.assert_array_equal(np.concatenate(blocks), load(tmp_path / "long.flac")[0])


def test_save_wav_round_trips_16_bit_and_is_atomic(tmp_path: Path) -> None:
    x = _tone(500.0, 0.5, SR, amp=0.9)
    save_wav(tmp_path / "out.wav", x)
    back, rate = sf.read(tmp_path / "out.wav", dtype="float32")
    assert rate == SR and sf.info(str(tmp_path / "out.wav")).subtype == "PCM_16"
    np.testing.assert_allclose(back, x, atol=1.0 / 32768 + 1e-6)
    with pytest.raises(EventCodecError, match="does not exist"):
        save_wav(tmp_path / "nope" / "out.wav", x)
    with pytest.raises(EventCodecError, match="directory"):
        save_wav(tmp_path, x)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "out.wav").stat().st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600


def test_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    from eventcodec.fileio import write_atomic

    def broken(tmp: str) -> None:
        Path(tmp).write_bytes(b"half")
        raise OSError(28, "No space left on device")

    (tmp_path / "keep.wav").write_bytes(b"old")
    with pytest.raises(EventCodecError, match="No space left"):
        write_atomic(tmp_path / "keep.wav", broken)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.wav"]
    assert (tmp_path / "keep.wav").read_bytes() == b"old"


def test_example_clip_is_shipped() -> None:
    info = sf.info(str(example_path()))
    assert (info.samplerate, info.channels) == (SR, 1)
    assert abs(info.duration - 8.0) < 0.01


def test_pcm16_rounds_to_the_nearest_step_and_clips_at_full_scale(tmp_path: Path) -> None:
    x = np.array([0.0, 1e-4, -1e-4, 0.5, 0.25 + 0.6 / 32768, -0.25 - 0.6 / 32768, 1.0, -1.0, 3.0, -3.0], np.float32)
    q = to_pcm16(x)
    assert q.dtype == np.int16
    assert q.tolist() == [0, 3, -3, 16384, 8193, -8193, 32767, -32768, 32767, -32768]
    # no half-step bias: the mean error of a slow ramp is ~0 (libsndfile's WAV writer truncates: -0.5 step)
    ramp = np.linspace(-0.9, 0.9, 100_001)
    assert abs(np.mean(to_pcm16(ramp) / 32768 - ramp)) < 0.01 / 32768
    wav, flac, ramp = tmp_path / "a.wav", tmp_path / "a.flac", ramp.astype(np.float32)
    save_wav_blocks(wav, [ramp[:5000], ramp[5000:]])
    save_wav_blocks(flac, iter([ramp]))
    assert np.array_equal(sf.read(wav, dtype="int16")[0], to_pcm16(ramp))
    assert np.array_equal(sf.read(flac, dtype="int16")[0], to_pcm16(ramp))
