"""Fixtures for the studio tests: an in-process app, a session, and small real event sets."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from studio_helpers import ARGS, CHROMIUM, TEST_LIMITS, short_events

from eventcodec.web.app import create_app


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
