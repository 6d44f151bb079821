import csv

import numpy as np
import pytest

from eventcodec import controls
from eventcodec.export.csv import header, to_csv_text, write_csv
from eventcodec.types import EventSet


def _events() -> EventSet:
    phys = np.tile(controls.to_physical(controls.default_unit_vector()), (3, 1))
    phys[:, controls.index_of("f0_hz")] = [110.0, 440.0, 1000.0]
    phys[:, controls.index_of("tonal_mix")] = [0.9, 0.9, 0.1]
    return EventSet(np.array([0, 11025, 22050]), controls.to_unit(phys), n_samples=44100)


def test_csv_round_trips_times_and_physical_controls(tmp_path):
    es = _events()
    path = tmp_path / "events.csv"
    write_csv(es, path)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3
    assert [float(r["time_s"]) for r in rows] == [0.0, 0.5, 1.0]
    assert [int(r["time_samples"]) for r in rows] == [0, 11025, 22050]
    phys = controls.to_physical(es.vectors)
    for name in controls.NAMES:
        got = np.array([float(r[name]) for r in rows])
        np.testing.assert_allclose(got, phys[:, controls.index_of(name)], rtol=1e-5, atol=1e-9)
    assert [r["pitched"] for r in rows] == ["1", "1", "0"]
    assert [r["midi_note"] for r in rows] == ["45", "69", ""]


def test_latent_sets_export_raw_coordinates():
    es = _events().replace(space="latent", model_hash="m")
    assert header(es)[3:5] == ["v0", "v1"]
    lines = to_csv_text(es).splitlines()
    assert len(lines) == 4 and len(lines[1].split(",")) == 3 + 32


def test_missing_folder_is_a_user_error(tmp_path):
    from eventcodec.errors import EventCodecError

    with pytest.raises(EventCodecError, match="does not exist"):
        write_csv(_events(), tmp_path / "nope" / "x.csv")
