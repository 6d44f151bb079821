"""The studio's defences: clean errors with the security headers on every answer, cross-site refusals,
sessions that nobody can push out, capped event counts, a map that is not recomputed per edit."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from studio_helpers import TEST_LIMITS, short_events

from eventcodec import controls
from eventcodec.types import EventSet
from eventcodec.web import layout
from eventcodec.web.app import create_app
from eventcodec.web.security import SECURITY_HEADERS, Limits

OVERFLOW = "t < 1" + "0" * 400


def _wav(seconds: float) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, 0.1 * np.sin(np.arange(round(seconds * 22050)) * 0.05), 22050, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def test_an_overflowing_number_in_a_filter_is_a_400(app_client: TestClient, loaded: str) -> None:
    r = app_client.post(f"/api/sessions/{loaded}/select", json={"expression": OVERFLOW})
    assert r.status_code == 400 and "number too large" in r.json()["detail"] and "\n" not in r.json()["detail"]


def test_every_error_answer_carries_the_security_headers(loaded: str, app_client: TestClient) -> None:
    app = app_client.app
    base = f"/api/sessions/{loaded}"
    app.state.studio.sessions.get(loaded).require_events = None  # type: ignore[attr-defined, method-assign]
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        answers = {
            400: client.get("/", headers={"host": "evil.example"}),
            403: client.post("/api/sessions", headers={"origin": "http://evil.example"}),
            404: client.get("/api/sessions/" + "x" * 24 + "/events"),
            405: client.put("/api/sessions"),
            411: client.post(f"{base}/edit", content=iter([b"{}"]), headers={"content-type": "application/json"}),
            413: client.post(f"{base}/edit", content=bytes(2**20 + 1), headers={"content-type": "application/json"}),
            422: client.post(f"{base}/edit", json={"op": "explode"}),
            500: client.get(f"{base}/events"),  # a bug: require_events is not callable
        }
    for status, r in answers.items():
        assert r.status_code == status, (status, r.text)
        assert isinstance(r.json()["detail"], str)
        for name, value in SECURITY_HEADERS.items():
            assert r.headers.get(name) == value, (status, name)


def test_cross_site_requests_cannot_create_or_change_sessions(app_client: TestClient, loaded: str) -> None:
    evil = [{"origin": "http://evil.example", "sec-fetch-site": "cross-site"}, {"origin": "http://evil.example"},
            {"sec-fetch-site": "cross-site"}, {"origin": "http://127.0.0.1:9999"}, {"origin": "null"},
            {"sec-fetch-site": "same-site"}]
    for headers in evil:
        assert app_client.post("/api/sessions", headers=headers).status_code == 403, headers
        assert app_client.post(f"/api/sessions/{loaded}/edit", json={"op": "delete", "indices": [0]},
                               headers=headers).status_code == 403
        assert app_client.post(f"/api/sessions/{loaded}/close", headers=headers).status_code == 403
    assert len(app_client.get(f"/api/sessions/{loaded}/events").json()["events"]) == 6
    own = {"origin": "http://127.0.0.1", "sec-fetch-site": "same-origin"}
    assert app_client.post("/api/sessions", headers=own).status_code == 201


def test_new_sessions_never_push_out_one_in_use() -> None:
    with TestClient(create_app(Limits(max_sessions=2)), base_url="http://127.0.0.1") as client:
        mine = client.post("/api/sessions").json()["session_id"]
        client.post("/api/sessions")
        for _ in range(5):
            r = client.post("/api/sessions")
            assert r.status_code == 503 and "sessions in use" in r.json()["detail"]
        assert client.get(f"/api/sessions/{mine}").status_code == 200


def test_an_evc_with_too_many_events_is_refused(app_client: TestClient, session_id: str) -> None:
    rng = np.random.default_rng(0)
    many = EventSet(np.sort(rng.integers(0, 10 * 22050, 5000)), rng.random((5000, 32)).astype(np.float32),
                    n_samples=10 * 22050)
    r = app_client.post(f"/api/sessions/{session_id}/evc", content=many.to_bytes())
    assert r.status_code == 422 and "too many events: 5000" in r.json()["detail"]
    assert app_client.get(f"/api/sessions/{session_id}").json()["n_events"] == 0


def test_the_map_is_computed_once_and_edits_keep_its_points(app_client: TestClient, loaded: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    base = f"/api/sessions/{loaded}"
    calls: list[int] = []
    real = layout.event_map
    monkeypatch.setattr(layout, "event_map", lambda events: calls.append(len(events)) or real(events))
    first = np.array(app_client.get(f"{base}/map").json()["points"])
    assert app_client.get(f"{base}/map").json()["points"] == first.tolist()
    app_client.post(f"{base}/edit", json={"op": "transpose", "indices": [0, 1], "semitones": 12})
    assert app_client.get(f"{base}/map").json()["points"] == first.tolist()
    app_client.post(f"{base}/edit", json={"op": "delete", "indices": [2]})
    assert app_client.get(f"{base}/map").json()["points"] == np.delete(first, 2, axis=0).tolist()
    view = app_client.post(f"{base}/edit", json={"op": "shift", "indices": [0], "offset_s": 0.95}).json()
    moved = np.array(app_client.get(f"{base}/map").json()["points"])
    assert moved[view["selected"][0]].tolist() == first[0].tolist()
    app_client.post(f"{base}/undo")
    app_client.post(f"{base}/undo")
    assert app_client.get(f"{base}/map").json()["points"] == first.tolist()
    assert calls == [6]


def test_a_big_map_costs_one_bounded_tsne() -> None:
    events = short_events(n=60, seconds=3.0)
    xy = layout.event_map(events, max_points=20)
    assert xy.shape == (60, 2) and np.all((xy >= 0) & (xy <= 1))
    assert len({tuple(p) for p in xy}) <= 20  # every other event shares an embedded event's point


def test_an_empty_delete_adds_no_undo_step(app_client: TestClient, loaded: str) -> None:
    view = app_client.post(f"/api/sessions/{loaded}/edit", json={"op": "delete", "indices": []}).json()
    assert view["can_undo"] is False and len(view["events"]) == 6


def test_transposing_unpitched_events_is_refused_or_reported(app_client: TestClient, session_id: str) -> None:
    events = short_events()
    phys = controls.to_physical(events.vectors)
    phys[:3, controls.INDEX["tonal_mix"]] = 0.0  # the first three are noise hits
    events = events.replace(vectors=controls.to_unit(phys))
    base = f"/api/sessions/{session_id}"
    app_client.post(f"{base}/evc", content=events.to_bytes())
    r = app_client.post(f"{base}/edit", json={"op": "transpose", "indices": [0, 1, 2], "semitones": 12})
    assert r.status_code == 422 and "unpitched" in r.json()["detail"]
    assert app_client.get(f"{base}/events").json()["can_undo"] is False
    view = app_client.post(f"{base}/edit", json={"op": "transpose", "indices": [1, 2, 3], "semitones": 12}).json()
    assert view["note"] == "2 events are unpitched: not transposed" and view["selected"] == [3]
    f0 = controls.INDEX["f0_hz"]
    assert np.isclose(view["events"][3]["controls"][f0], 2 * phys[3, f0], rtol=1e-3)
    assert np.isclose(view["events"][1]["controls"][f0], phys[1, f0], rtol=1e-3)


def test_options_and_allow_agree_with_the_schema(app_client: TestClient, loaded: str) -> None:
    spec = app_client.get("/openapi.json").json()["paths"]
    for path, ops in spec.items():
        url = path.replace("{sid}", loaded).replace("{job_id}", "x").replace("{index}", "0") \
            .replace("{stage}", "output").replace("{kind}", "audio").replace("{which}", "decoded")
        r = app_client.options(url)
        assert r.status_code == 405, path
        assert set(r.headers["allow"].split(", ")) == {m.upper() for m in ops}, path
        for status in ("400", "403", "404", "405", "422", "500"):
            assert all(status in op["responses"] for op in ops.values()), (path, status)


def test_a_cancelled_job_says_cancelled(app_client: TestClient, session_id: str) -> None:
    base = f"/api/sessions/{session_id}"
    app_client.post(f"{base}/audio?filename=a.wav", content=_wav(1.0))
    job = app_client.post(f"{base}/encode", json={"quality": "fast"}).json()
    r = app_client.delete(f"{base}/jobs/{job['job_id']}")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_a_long_file_is_taken_when_only_its_start_is_asked_for(app_client: TestClient, session_id: str) -> None:
    base = f"/api/sessions/{session_id}"
    long = _wav(TEST_LIMITS.max_duration_s + 3)
    assert app_client.post(f"{base}/audio", content=long).status_code == 422
    r = app_client.post(f"{base}/audio?clip_s=2", content=long)
    assert r.status_code == 200, r.text
    r = app_client.post(f"{base}/encode", json={"quality": "fast"})
    assert r.status_code == 422 and "first" in r.json()["detail"]


def test_the_original_spans_the_events_it_is_shown_behind(app_client: TestClient, session_id: str) -> None:
    base = f"/api/sessions/{session_id}"
    app_client.post(f"{base}/audio", content=_wav(3.0))
    app_client.app.state.studio.sessions.get(session_id).reset(short_events(seconds=1.0))  # type: ignore[attr-defined]
    audio, sr = sf.read(io.BytesIO(app_client.get(f"{base}/audio/original").content))
    assert sr == 22050 and len(audio) == 22050


def test_an_empty_evc_is_called_an_empty_evc(app_client: TestClient, session_id: str) -> None:
    r = app_client.post(f"/api/sessions/{session_id}/evc", content=b"")
    assert r.status_code == 422 and ".evc" in r.json()["detail"] and "audio" not in r.json()["detail"]
