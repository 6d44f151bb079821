import itertools

import numpy as np
import pytest
import soundfile as sf
import torch

from eventcodec.cli.main import main
from eventcodec.errors import EventCodecError
from eventcodec.synth.rooms import MAX_IR_SAMPLES, ROOM_NAMES, SHIPPED_DIR, load_room, room_bank


def _t60_s(ir: np.ndarray, sr: int = 22050) -> float:
    """T30-based reverberation time from the Schroeder backward integral."""
    edc = np.cumsum(ir[::-1] ** 2)[::-1]
    db = 10 * np.log10(edc / edc[0] + 1e-30)
    i5, i35 = np.argmax(db < -5), np.argmax(db < -35)
    return 2.0 * (i35 - i5) / sr


def test_eight_shipped_rooms_unit_energy_and_driest_first():
    assert len(ROOM_NAMES) == 8
    bank = room_bank()
    assert bank.shape[0] == 8 and bank.dtype == torch.float32 and bank.shape[1] <= MAX_IR_SAMPLES
    np.testing.assert_allclose((bank.double() ** 2).sum(-1).numpy(), 1.0, rtol=1e-3)
    t60 = [_t60_s(load_room(n)) for n in ROOM_NAMES]
    assert t60[0] == min(t60) and t60[0] < 0.2
    assert all(a < b for a, b in itertools.pairwise(t60))  # ordered from dry to reverberant
    for i, n in enumerate(ROOM_NAMES):
        assert (SHIPPED_DIR / f"{i:02d}_{n}.wav").is_file()


def test_user_rooms_by_name_or_path(tmp_path, monkeypatch):
    ir = np.zeros(44100 * 3)
    ir[0], ir[100] = 1.0, 0.5
    sf.write(tmp_path / "plate.wav", np.stack([ir, ir], 1), 44100)  # stereo, 44.1 kHz, too long
    monkeypatch.setenv("EVENTCODEC_ROOMS", str(tmp_path))
    by_name = load_room("plate")
    assert len(by_name) == MAX_IR_SAMPLES and abs(float((by_name.astype(np.float64) ** 2).sum()) - 1) < 1e-3
    assert np.array_equal(load_room(tmp_path / "plate.wav"), by_name)
    assert room_bank(("booth", "plate")).shape[0] == 2


def test_unknown_or_bad_rooms_are_clear_errors(tmp_path):
    with pytest.raises(EventCodecError, match="unknown room"):
        load_room("no_such_room_here")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio")
    with pytest.raises(EventCodecError, match="cannot read"):
        load_room(bad)
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(100), 22050)
    with pytest.raises(EventCodecError, match="silent"):
        load_room(silent)


def test_explain_command_prints_controls_and_rooms(capsys):
    assert main(["explain"]) == 0
    out = capsys.readouterr().out
    assert "f0_hz" in out and "room_wet" in out and "cathedral" in out
    assert main(["explain", "--json"]) == 0
    import json

    data = json.loads(capsys.readouterr().out)
    assert len(data["controls"]) == 32 and [r["name"] for r in data["rooms"]][:8] == list(ROOM_NAMES)


def test_shipped_rooms_are_reproducible_from_the_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "make_rooms.py"
    spec = importlib.util.spec_from_file_location("make_rooms", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    name, t60, pre, drr, n_early = mod.ROOMS[0]
    ir = mod.make_room(t60, pre, drr, n_early, seed=1000)
    shipped, _ = sf.read(SHIPPED_DIR / f"00_{name}.wav")
    np.testing.assert_allclose(shipped, ir / np.abs(ir).max() * 0.999, atol=1.5 / 2**15)
