"""Studio security: limits, sniffing, ids, headers, isolation and clean-up."""

from __future__ import annotations

import io
import json
import re
import socket
import time
import urllib.request
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from eventcodec.web.app import LOOPBACK_HOSTS, STATIC, create_app
from eventcodec.web.security import CSP, Limits, allowed_host_names, display_name, host_of, is_id, new_id, sniff_audio

TEST_LIMITS = Limits(max_upload_bytes=2 * 2**20, max_duration_s=12.0, unwatched_grace_s=2.0)


def _audio_bytes(fmt: str, seconds: float = 0.5, subtype: str | None = None) -> bytes:
    buf = io.BytesIO()
    x = 0.1 * np.sin(np.arange(round(seconds * 22050)) * 0.05).astype(np.float32)
    sf.write(buf, x, 22050, format=fmt, subtype=subtype)
    return buf.getvalue()


@pytest.mark.parametrize(("fmt", "subtype", "kind"), [("WAV", "PCM_16", "wav"), ("FLAC", None, "flac"),
                                                      ("OGG", "VORBIS", "ogg"), ("AIFF", "PCM_16", "aiff")])
def test_sniff_recognises_real_files(fmt: str, subtype: str | None, kind: str) -> None:
    assert sniff_audio(_audio_bytes(fmt, subtype=subtype)[:64]) == kind


def test_sniff_ignores_names_and_rejects_other_content() -> None:
    assert sniff_audio(b"<html><script>alert(1)</script></html>") is None
    assert sniff_audio(b"\x7fELF" + bytes(60)) is None
    assert sniff_audio(b"RIFF\x00\x00\x00\x00AVI LIST") is None
    assert sniff_audio(b"ID3\x04\x00" + bytes(59)) == "mp3"


def test_display_name_never_keeps_a_path() -> None:
    assert display_name("../../etc/passwd") == "passwd"
    assert display_name("C:\\Users\\x\\song.final.wav") == "song.final"
    assert display_name("") == "audio"
    assert display_name('a"b;<c>.wav') == "a_b_c"


def test_ids_are_random_and_checked() -> None:
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100 and all(is_id(i) for i in ids)
    assert not is_id("../../etc") and not is_id("a" * 23)


def test_every_response_carries_the_strict_csp(app_client: TestClient, session_id: str) -> None:
    for url in ["/", "/js/main.js", "/studio.css", "/api/schema", "/nope", f"/api/sessions/{session_id}/events"]:
        r = app_client.get(url)
        assert r.headers["content-security-policy"] == CSP, url
        assert r.headers["x-content-type-options"] == "nosniff"
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP


def test_front_end_has_no_inline_script_or_style() -> None:
    for page in STATIC.rglob("*.html"):
        text = page.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), page
        assert not re.search(r"\son[a-z]+\s*=", text), page
        assert "style=" not in text, page
    for js in STATIC.rglob("*.js"):
        text = js.read_text()
        assert "innerHTML" not in text and "eval(" not in text and "http://" not in text.replace(
            "http://www.w3.org/2000/svg", ""), js


def test_upload_sniffs_content_not_the_name(app_client: TestClient, session_id: str) -> None:
    r = app_client.post(f"/api/sessions/{session_id}/audio?filename=song.wav", content=b"not audio at all" * 8)
    assert r.status_code == 422 and "WAV" in r.json()["detail"]
    r = app_client.post(f"/api/sessions/{session_id}/audio?filename=../../x.exe", content=_audio_bytes("FLAC"))
    assert r.status_code == 200, r.text
    assert r.json()["format"] == "flac" and r.json()["name"] == "x"


def test_upload_limits_give_413_and_422(app_client: TestClient, session_id: str) -> None:
    url = f"/api/sessions/{session_id}/audio"
    big = bytes(TEST_LIMITS.max_upload_bytes + 1)
    r = app_client.post(url, content=big)
    assert r.status_code == 413 and "limit" in r.json()["detail"]

    def chunks() -> object:  # no Content-Length: the server must count what it streams
        for _ in range(5):
            yield bytes(2**20)

    r = app_client.post(url, content=chunks())  # type: ignore[arg-type]
    assert r.status_code == 413
    r = app_client.post(url, content=_audio_bytes("WAV", seconds=TEST_LIMITS.max_duration_s + 1))
    assert r.status_code == 422 and "too long" in r.json()["detail"]
    r = app_client.post(f"/api/sessions/{session_id}/edit", content=bytes(2**20 + 10),
                        headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_failed_uploads_leave_no_files(app_client: TestClient, session_id: str) -> None:
    folder: Path = app_client.app.state.studio.sessions.get(session_id).folder  # type: ignore[attr-defined]
    app_client.post(f"/api/sessions/{session_id}/audio", content=b"junk" * 100)
    app_client.post(f"/api/sessions/{session_id}/audio", content=bytes(TEST_LIMITS.max_upload_bytes + 1))
    assert list(folder.iterdir()) == []
    app_client.post(f"/api/sessions/{session_id}/audio?filename=a.wav", content=_audio_bytes("WAV"))
    (only,) = folder.iterdir()
    assert only.name.startswith("input-") and only.suffix == ".wav"


def test_sessions_cannot_reach_each_other(app_client: TestClient, loaded: str) -> None:
    other = app_client.post("/api/sessions").json()["session_id"]
    assert app_client.get(f"/api/sessions/{other}/events").status_code == 404
    assert app_client.get(f"/api/sessions/{other}/download/evc").status_code == 404
    for bad in ["..%2F..%2Fetc%2Fpasswd", "x" * 24, new_id()]:
        assert app_client.get(f"/api/sessions/{bad}/events").status_code == 404
    # a job id is only valid inside its own session
    app_client.post(f"/api/sessions/{loaded}/audio?filename=a.wav", content=_audio_bytes("WAV"))
    job = app_client.post(f"/api/sessions/{loaded}/encode", json={"quality": "fast"}).json()
    assert app_client.get(f"/api/sessions/{other}/jobs/{job['job_id']}").status_code == 404
    app_client.delete(f"/api/sessions/{loaded}/jobs/{job['job_id']}")


def test_deleting_a_session_and_shutdown_remove_all_files() -> None:
    with TestClient(create_app(TEST_LIMITS), base_url="http://127.0.0.1") as client:
        studio = client.app.state.studio  # type: ignore[attr-defined]
        sid = client.post("/api/sessions").json()["session_id"]
        client.post(f"/api/sessions/{sid}/audio?filename=a.flac", content=_audio_bytes("FLAC"))
        folder = studio.sessions.get(sid).folder
        assert folder.is_dir()
        assert client.delete(f"/api/sessions/{sid}").status_code == 204
        assert not folder.exists()
        assert client.get(f"/api/sessions/{sid}/events").status_code == 404
        client.post("/api/sessions")
        root = studio.sessions.root
        assert any(root.iterdir())
    assert not root.exists()


def test_sessions_expire_and_are_bounded() -> None:
    from eventcodec.web.sessions import FullError, SessionStore

    store = SessionStore(Limits(max_sessions=3, session_ttl_s=100.0, evict_idle_s=10.0))
    try:
        made = [store.create(now=t) for t in (0.0, 1.0, 2.0)]
        with pytest.raises(FullError):  # all three in use: a new one must not push one out
            store.create(now=5.0)
        assert all(m.folder.exists() for m in made)
        made.append(store.create(now=10.5))  # the first has been idle 10.5 s: it gives its place
        assert len(store) == 3 and not made[0].folder.exists() and made[3].folder.exists()
        assert store.sweep(now=200.0) == 3 and len(store) == 0
    finally:
        store.close()
    assert not store.root.exists()


def test_a_dropped_upload_leaves_no_file(serve: Callable[[object], AbstractContextManager[str]]) -> None:
    app = create_app(TEST_LIMITS)
    with serve(app) as base:
        host, port = base.removeprefix("http://").split(":")
        with urllib.request.urlopen(urllib.request.Request(f"{base}/api/sessions", method="POST")) as r:
            sid = json.loads(r.read())["session_id"]
        folder = app.state.studio.sessions.get(sid).folder
        with socket.create_connection((host, int(port))) as s:
            s.sendall(f"POST /api/sessions/{sid}/audio HTTP/1.1\r\nHost: {host}\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: 1000000\r\n\r\n".encode())
            s.sendall(_audio_bytes("WAV")[:20000])
            deadline = time.monotonic() + 10
            while not list(folder.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert list(folder.iterdir()), "the upload did not start"
        deadline = time.monotonic() + 10
        while list(folder.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert list(folder.iterdir()) == []
        assert not app.state.studio.jobs.active()


def test_foreign_host_headers_are_refused(app_client: TestClient) -> None:
    """A DNS-rebinding page reaches 127.0.0.1 with its own name in Host: it must get nothing."""
    assert app_client.post("/api/sessions", headers={"host": "evil.example"}).status_code == 400
    assert app_client.get("/", headers={"host": "evil.example:8765"}).status_code == 400
    assert app_client.get("/", headers={"host": "localhost:8765"}).status_code == 200


@pytest.mark.parametrize("host", ["[::1]", "[::1]:8000", "[0:0::1]:8765", "localhost:8000", "LOCALHOST",
                                  "127.0.0.1:8000", "127.0.0.1"])
def test_loopback_hosts_are_served_on_any_port(app_client: TestClient, host: str) -> None:
    assert app_client.get("/", headers={"host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.com", "evil.com:8000", "[::2]:8000", "::1", "[::1", "[::1]evil",
                                  "[::1]:80:80", "localhost.evil.com", "127.0.0.1.evil.com:8000", "[evil.com]"])
def test_other_and_malformed_hosts_are_refused(app_client: TestClient, host: str) -> None:
    assert app_client.get("/", headers={"host": host}).status_code == 400
    assert host_of(host) not in allowed_host_names(LOOPBACK_HOSTS)


def test_an_ipv6_bind_address_is_served_with_brackets_and_a_port() -> None:
    """`studio --host 2001:db8::1` allows the address it binds, which browsers write "[2001:db8::1]:PORT"."""
    app = create_app(TEST_LIMITS, allowed_hosts=[*LOOPBACK_HOSTS, "2001:db8::1"])
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/", headers={"host": "[2001:db8::1]:8765"}).status_code == 200
        assert client.get("/", headers={"host": "[2001:db8::2]:8765"}).status_code == 400
    assert host_of("[2001:DB8:0::1]:80") == "[2001:db8::1]" and host_of("a:b:c") is None
