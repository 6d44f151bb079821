"""What a batch run prints about its inputs: mpg123's notes on a damaged mp3 stay off the terminal, a real
failure (a NaN sample) is listed with its one-line reason (issue 21 item 10, issue 22 item 1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eventcodec.cli.main import main


def test_decoder_chatter_is_silenced_and_real_errors_kept(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(8820) / 22050)).astype(np.float32)
    sf.write(src / "clean.mp3", tone, 22050, format="MP3")
    data = (src / "clean.mp3").read_bytes()
    (src / "damaged.mp3").write_bytes(data[: len(data) // 2] + b"\0" * 300 + data[len(data) // 2 :])
    with_nan = tone.copy()
    with_nan[4410] = np.nan
    sf.write(src / "nan.wav", with_nan, 22050, subtype="FLOAT")
    rc = main(["encode-many", str(src), str(out), "--quality", "fast", "--workers", "1", "--quiet"])
    printed = capfd.readouterr()
    assert rc == 1
    assert "3 found, 2 encoded now, 0 already done, 1 failed" in printed.out
    assert "FAILED nan.wav: sample at 0.200000 s is NaN" in printed.out
    assert "resync" not in printed.err and "Note:" not in printed.err and "Xing" not in printed.err
    assert (out / "damaged.evc").exists()
