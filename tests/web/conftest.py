"""Fixtures for the studio tests: an in-process app, a session, and small real event sets."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from eventcodec import controls
from eventcodec.types import EventSet
from eventcodec.web.app import create_app
from eventcodec.web.security import Limits

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
TEST_LIMITS = Limits(max_upload_bytes=2 * 2**20, max_duration_s=12.0, unwatched_grace_s=2.0)


def short_events(n: int = 6, seconds: float = 1.0, seed: int = 0) -> EventSet:
    """`n` quick, dry, pitched events (fast to render) spread over `seconds`."""
    rng = np.random.default_rng(seed)
    phys = controls.to_physical(np.tile(controls.default_unit_vector(), (n, 1)))
    col = controls.INDEX
    phys[:, col["f0_hz"]] = 110.0 * 2 ** (rng.integers(0, 36, n) / 12)
    phys[:, col["amp_db"]] = rng.uniform(-30, -6, n)
    phys[:, col["decay_s"]] = 0.1
    phys[:, col["hold_s"]] = 0.05
    phys[:, col["room_wet"]] = 0.0
    times = np.sort(rng.integers(0, round(0.8 * seconds * 22050), n))
    return EventSet(times, controls.to_unit(phys), n_samples=round(seconds * 22050))


@pytest.fixture
def app_client() -> Iterator[TestClient]:
    with TestClient(create_app(TEST_LIMITS), base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
def session_id(app_client: TestClient) -> str:
    r = app_client.post("/api/sessions")
    assert r.status_code == 201
    return str(r.json()["session_id"])


@pytest.fixture
def loaded(app_client: TestClient, session_id: str) -> str:
    """A session holding `short_events()` (opened as an .evc, as a user would)."""
    r = app_client.post(f"/api/sessions/{session_id}/evc?filename=demo.evc", content=short_events().to_bytes())
    assert r.status_code == 200, r.text
    return session_id


@contextlib.contextmanager
def live_server(app: object) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on a free 127.0.0.1 port; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def serve() -> Callable[[object], contextlib.AbstractContextManager[str]]:
    """`with serve(app) as base_url:` runs a real uvicorn server on 127.0.0.1 (see `live_server`)."""
    return live_server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for all browser tests (a launch costs seconds)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()
