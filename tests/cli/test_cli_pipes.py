"""`-` as input reads stdin, `-` as output writes stdout (as opusenc and ffmpeg allow); messages go to stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.encode import available
from eventcodec.format.container import MAGIC
from eventcodec.types import EventSet

CLI = [sys.executable, "-m", "eventcodec"]


def _run(args: list[str], stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, timeout=300)


@pytest.fixture
def evc(tmp_path: Path) -> Path:
    vectors = np.tile(default_unit_vector(), (2, 1))
    vectors[:, INDEX["tonal_mix"]] = 1.0
    path = tmp_path / "in.evc"
    path.write_bytes(EventSet([0, 5000], vectors, n_samples=11025).to_bytes())
    return path


def test_decode_writes_wav_to_stdout_and_reads_the_evc_from_stdin(evc: Path, tmp_path: Path) -> None:
    wav = tmp_path / "out.wav"
    assert _run(["decode", str(evc), str(wav), "-q"]).returncode == 0
    piped = _run(["decode", str(evc), "-"])  # not quiet: the summary must not reach stdout
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == wav.read_bytes()
    assert b"wrote stdout" in piped.stderr
    from_stdin = _run(["decode", "-", str(tmp_path / "again.wav"), "-q"], stdin=evc.read_bytes())
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert (tmp_path / "again.wav").read_bytes() == wav.read_bytes()


@pytest.mark.skipif("abs" not in available(), reason="the abs encoder is not registered")
def test_encode_reads_audio_from_stdin_and_writes_the_evc_to_stdout(tmp_path: Path) -> None:
    wav = tmp_path / "tone.wav"
    sf.write(wav, (0.3 * np.sin(2 * np.pi * 330 * np.arange(8820) / 22050)).astype(np.float32), 22050)
    proc = _run(["encode", "-", "-", "--quality", "fast", "--events-per-second", "2", "--no-notes"],
                stdin=wav.read_bytes())
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(MAGIC)
    events = EventSet.from_bytes(proc.stdout)
    assert events.n_samples == 8820
    assert b"wrote stdout" in proc.stderr


def test_an_empty_stdin_is_a_one_line_error(tmp_path: Path) -> None:
    proc = _run(["decode", "-", str(tmp_path / "x.wav")])
    assert proc.returncode == 2 and proc.stderr.decode().strip() == "eventcodec: error: nothing on stdin"
    assert not (tmp_path / "x.wav").exists() and proc.stdout == b""
