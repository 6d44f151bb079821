"""The studio API over real event sets: view, edit, undo/redo, render, map, stages and downloads."""

from __future__ import annotations

import io

import mido
import numpy as np
import soundfile as sf
from fastapi.testclient import TestClient

from eventcodec import controls
from eventcodec.codec import decode
from eventcodec.types import EventSet


def _events(client: TestClient, sid: str) -> dict:  # type: ignore[type-arg]
    r = client.get(f"/api/sessions/{sid}/events")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_schema_lists_controls_with_units_and_rooms(app_client: TestClient) -> None:
    body = app_client.get("/api/schema").json()
    assert [c["name"] for c in body["controls"]] == list(controls.NAMES)
    assert body["controls"][controls.INDEX["f0_hz"]]["unit"] == "Hz"
    assert len(body["rooms"]) == 8


def test_events_view_gives_physical_controls(app_client: TestClient, loaded: str) -> None:
    view = _events(app_client, loaded)
    assert len(view["events"]) == 6 and view["duration_s"] == 1.0 and not view["can_undo"]
    f0 = [e["controls"][controls.INDEX["f0_hz"]] for e in view["events"]]
    assert all(110.0 * 0.99 <= f <= 110.0 * 8 * 1.01 for f in f0)
    assert [e["index"] for e in view["events"]] == list(range(6))


def test_edit_undo_redo_and_download(app_client: TestClient, loaded: str) -> None:
    base = f"/api/sessions/{loaded}"
    before = _events(app_client, loaded)
    r = app_client.post(f"{base}/edit", json={"op": "delete", "indices": [1, 3]})
    assert r.status_code == 200 and len(r.json()["events"]) == 4 and r.json()["can_undo"]
    evc = app_client.get(f"{base}/download/evc")
    assert evc.headers["content-disposition"] == 'attachment; filename="demo.evc"'
    assert len(EventSet.from_bytes(evc.content)) == 4
    assert len(app_client.post(f"{base}/undo").json()["events"]) == 6
    redone = app_client.post(f"{base}/redo").json()
    assert len(redone["events"]) == 4 and not redone["can_redo"]
    r = app_client.post(f"{base}/edit", json={"op": "transpose", "indices": [0], "semitones": 12})
    f0 = controls.INDEX["f0_hz"]
    assert np.isclose(r.json()["events"][0]["controls"][f0], 2 * before["events"][0]["controls"][f0], rtol=0.01)
    assert r.json()["selected"] == [0]


def test_shift_reports_where_the_moved_event_lands(app_client: TestClient, loaded: str) -> None:
    before = _events(app_client, loaded)["events"]
    r = app_client.post(f"/api/sessions/{loaded}/edit", json={"op": "shift", "indices": [0], "offset_s": 0.95})
    after = r.json()
    (moved,) = after["selected"]
    assert moved == len(before) - 1  # it now starts last
    assert np.isclose(after["events"][moved]["time_s"], before[0]["time_s"] + 0.95, atol=1e-4)
    assert after["events"][moved]["controls"] == before[0]["controls"]


def test_room_replace_and_select(app_client: TestClient, loaded: str) -> None:
    base = f"/api/sessions/{loaded}"
    view = app_client.post(f"{base}/edit", json={"op": "room", "indices": [2], "room": 5, "wet": 0.5}).json()
    assert np.isclose(view["events"][2]["controls"][controls.INDEX["room_id"]], 5.0)
    view = app_client.post(f"{base}/edit", json={"op": "replace", "indices": [0], "source": 4}).json()
    assert view["events"][0]["controls"] == view["events"][4]["controls"]
    r = app_client.post(f"{base}/select", json={"expression": "index >= 4"})
    assert r.json() == {"indices": [4, 5]}
    r = app_client.post(f"{base}/select", json={"expression": "__import__('os').system('x')"})
    assert r.status_code == 400 and "bad filter" in r.json()["detail"]


def test_bad_edits_are_422_not_500(app_client: TestClient, loaded: str) -> None:
    base = f"/api/sessions/{loaded}"
    for body in [{"op": "delete", "indices": [99]}, {"op": "shift", "indices": [0], "offset_s": -5},
                 {"op": "set", "indices": [0], "control": "nope", "value": 1},
                 {"op": "replace", "indices": [0, 1], "source": 2}, {"op": "transpose", "indices": []},
                 {"op": "explode", "indices": [0]}]:
        r = app_client.post(f"{base}/edit", json=body)
        assert r.status_code == 422, (body, r.text)
        assert isinstance(r.json()["detail"], str)
    assert len(_events(app_client, loaded)["events"]) == 6


def test_render_single_event_and_whole_set(app_client: TestClient, loaded: str) -> None:
    base = f"/api/sessions/{loaded}"
    whole, sr = sf.read(io.BytesIO(app_client.get(f"{base}/audio/decoded").content))
    assert sr == 22050 and len(whole) == 22050 and np.abs(whole).max() > 1e-3
    one, _ = sf.read(io.BytesIO(app_client.get(f"{base}/events/2/audio").content))
    start = round(_events(app_client, loaded)["events"][2]["time_s"] * 22050)
    assert np.abs(one).max() > 1e-3 and 256 <= len(one) <= 6 * 22050
    assert len(one) + start > 0
    png = app_client.get(f"{base}/spectrogram/decoded")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_stages_map_and_neighbours(app_client: TestClient, loaded: str) -> None:
    base = f"/api/sessions/{loaded}"
    stages = app_client.get(f"{base}/events/1/stages").json()["stages"]
    assert stages[0] == "impulse" and stages[-1] == "output"
    out, _ = sf.read(io.BytesIO(app_client.get(f"{base}/events/1/stages/output/audio").content))
    assert np.abs(out).max() > 1e-3
    assert app_client.get(f"{base}/events/1/stages/nope/audio").status_code == 404
    assert app_client.get(f"{base}/events/1/stages/impulse/spectrogram").content[:4] == b"\x89PNG"
    points = app_client.get(f"{base}/map").json()["points"]
    assert len(points) == 6 and all(0 <= v <= 1 for p in points for v in p)
    near = app_client.get(f"{base}/events/1/neighbours?k=3").json()
    assert near[0]["index"] == 1 and len(near) == 3
    assert near[1]["distance"] <= near[2]["distance"]


def test_csv_and_midi_exports(app_client: TestClient, loaded: str) -> None:
    base = f"/api/sessions/{loaded}"
    csv = app_client.get(f"{base}/download/csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == 7 and "f0_hz" in csv.text.splitlines()[0]
    mid = mido.MidiFile(file=io.BytesIO(app_client.get(f"{base}/download/mid").content))
    assert sum(m.type == "note_on" and m.velocity > 0 for t in mid.tracks for m in t) >= 1


def test_corrupt_evc_is_refused(app_client: TestClient, session_id: str) -> None:
    r = app_client.post(f"/api/sessions/{session_id}/evc", content=b"EVC\x00garbage" * 10)
    assert r.status_code == 422
    assert app_client.get(f"/api/sessions/{session_id}/events").status_code == 404


def test_events_only_audio_leaves_out_the_texture(app_client: TestClient, session_id: str) -> None:
    from studio_helpers import short_events

    from eventcodec.texture.grid import N_BANDS, Texture

    events = short_events()
    textured = events.replace(texture=Texture(np.full((11, N_BANDS), 14, np.uint8)))
    r = app_client.post(f"/api/sessions/{session_id}/evc?filename=t.evc", content=textured.to_bytes())
    assert r.status_code == 200, r.text
    base = f"/api/sessions/{session_id}"
    decoded, _ = sf.read(io.BytesIO(app_client.get(f"{base}/audio/decoded").content))
    alone, _ = sf.read(io.BytesIO(app_client.get(f"{base}/audio/events").content))
    plain = decode(EventSet.from_bytes(events.to_bytes()))
    np.testing.assert_allclose(alone, plain, atol=2 / 32768)  # 16-bit wav
    assert np.sqrt(np.mean((decoded - alone) ** 2)) > 0.01  # the texture (about -20 dB) is in the decode only
    assert app_client.get(f"{base}/spectrogram/events").headers["content-type"] == "image/png"
