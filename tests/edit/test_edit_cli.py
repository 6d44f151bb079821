"""The CLI commands on hand-built sets: ordered edits, clear one-line errors, inputs never overwritten."""

import csv

import numpy as np
import pytest
import soundfile as sf

from eventcodec import controls
from eventcodec.cli.main import main
from eventcodec.types import EventSet


@pytest.fixture
def evc(tmp_path, mixed):
    path = tmp_path / "in.evc"
    path.write_bytes(mixed.to_bytes())
    return path


def _read(path) -> EventSet:
    return EventSet.from_bytes(path.read_bytes())


def test_edit_applies_flags_in_order_and_keeps_the_input(evc, tmp_path, capsys):
    before = evc.read_bytes()
    out = tmp_path / "out.evc"
    rc = main(["edit", str(evc), str(out), "--keep", "f0_hz < 1000", "--transpose", "12", "--room", "5",
               "--where", "t < 1"])
    assert rc == 0 and evc.read_bytes() == before
    es, src = _read(out), _read(evc)
    f0 = controls.to_physical(es.vectors)[:, controls.index_of("f0_hz")]
    src_f0 = controls.to_physical(src.vectors)[:, controls.index_of("f0_hz")]
    assert len(es) == 5  # the 3 kHz hat is gone
    # --where restricts transpose and room to the first two events (t < 1)
    np.testing.assert_allclose(f0[:2] / src_f0[:2], 2.0, rtol=0.01)
    np.testing.assert_allclose(f0[2:] / src_f0[[2, 4, 5]], 1.0, rtol=0.01)
    room = controls.to_physical(es.vectors)[:, controls.index_of("room_id")]
    assert np.allclose(room[:2], 5, atol=0.05) and np.allclose(room[2:], 0, atol=0.05)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--keep", "f0_hz <"], "bad filter"),
        (["--keep", "pitch < 3"], "unknown name 'pitch'"),
        (["--delete", "t < 1" + "0" * 400], "number too large"),
        (["--gain", "loud"], "--gain wants a number"),
        (["--move", "3"], "INDEX:TIME_S"),
        (["--slice", "3"], "START:STOP"),
        (["--room", "nowhere"], "unknown room"),
        (["--set", "f0=3"], "unknown control 'f0'"),
        ([], "no edit given"),
    ],
)
def test_edit_errors_are_one_line(evc, tmp_path, capsys, argv, message):
    out = tmp_path / "out.evc"
    assert main(["edit", str(evc), str(out), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("eventcodec: error:") and message in err and "\n" not in err
    assert not out.exists()


def test_edit_refuses_to_overwrite_its_input_and_warns_on_clipping(evc, capsys):
    before = evc.read_bytes()
    assert main(["edit", str(evc), str(evc), "--gain", "1"]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert evc.read_bytes() == before
    out = evc.with_name("loud.evc")
    assert main(["edit", str(evc), str(out), "--gain", "40"]) == 0
    assert "warning: gain:" in capsys.readouterr().err


def test_neighbours_prints_the_query_first_and_renders(evc, tmp_path, capsys):
    assert main(["neighbours", str(evc), "1", "-k", "3", "--render", str(tmp_path), "--quiet"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:3] == ["rank", "distance", "time_s"]
    first = lines[1].split()
    assert first[0] == "0" and float(first[1]) == 0.0 and first[3] == "1"
    dists = [float(line.split()[1]) for line in lines[1:]]
    assert dists == sorted(dists) and len(dists) == 3
    wavs = sorted(tmp_path.glob("neighbour*.wav"))
    assert len(wavs) == 3 and np.abs(sf.read(wavs[0])[0]).max() > 0


def test_render_event_stages_and_export(evc, tmp_path):
    for stage in ("impulse", "resonance", "room", "output"):
        out = tmp_path / f"{stage}.wav"
        assert main(["render-event", str(evc), "1", str(out), "--stage", stage]) == 0
        audio, sr = sf.read(out)
        assert sr == 22050 and len(audio) > 0
    assert main(["export", str(evc), str(tmp_path / "e.csv")]) == 0
    with open(tmp_path / "e.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 6
    assert main(["export", str(evc), str(tmp_path / "e.mid")]) == 0
    assert (tmp_path / "e.mid").read_bytes()[:4] == b"MThd"
    assert main(["export", str(evc), str(tmp_path / "e.txt")]) == 2


def test_plot_writes_png_and_svg(evc, tmp_path):
    assert main(["plot", "controls", str(evc), "2", "-o", str(tmp_path / "c.svg"), "--quiet"]) == 0
    assert b"<svg" in (tmp_path / "c.svg").read_bytes()[:500]
    assert main(["plot", "map", str(evc), str(evc), "-o", str(tmp_path / "m.png"), "--quiet"]) == 0
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["plot", "stages", str(evc), "0", "-o", str(tmp_path / "s.gif")]) == 2


def test_edit_texture_follows_unless_told_to_stay(evc, tmp_path, mixed):
    from eventcodec.texture.grid import N_BANDS, Texture, n_frames_for

    textured = tmp_path / "tex.evc"
    codes = np.full((n_frames_for(mixed.n_samples), N_BANDS), 8, np.uint8)  # -54 dB: a texture under every event
    textured.write_bytes(mixed.replace(texture=Texture(codes)).to_bytes())
    follows, stays = tmp_path / "follows.evc", tmp_path / "stays.evc"
    assert main(["edit", str(textured), str(follows), "--delete", "f0_hz < 1000", "--quiet"]) == 0
    assert main(["edit", str(textured), str(stays), "--delete", "f0_hz < 1000", "--texture-stays", "--quiet"]) == 0
    assert np.array_equal(_read(stays).texture.codes, codes)
    after = _read(follows).texture.codes
    assert after.sum() < codes.sum() and after.max() <= codes.max()  # the deleted events took their texture
