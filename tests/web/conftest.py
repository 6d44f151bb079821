"""Fixtures for the studio tests: an in-process app, a session, and small real event sets."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient

from eventcodec import controls
from eventcodec.types import EventSet
from eventcodec.web.app import create_app
from eventcodec.web.security import Limits

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
    with TestClient(create_app(TEST_LIMITS)) as client:
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
