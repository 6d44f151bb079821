"""RSS of a studio server process over one session (in-process app, glibc thresholds set as the CLI does).

Run: PYTHONPATH=src python tests/web/measure_memory.py (about 30 s; a measurement, not a test).
"""

from __future__ import annotations

import gc

import numpy as np
import psutil
from fastapi.testclient import TestClient

from eventcodec import controls
from eventcodec.allocator import keep_freed_memory
from eventcodec.types import EventSet
from eventcodec.web.app import create_app
from eventcodec.web.security import Limits


def mib() -> float:
    return float(psutil.Process().memory_info().rss) / 2**20


def piece(n: int = 300, seconds: int = 20) -> EventSet:
    rng = np.random.default_rng(0)
    phys = controls.to_physical(np.tile(controls.default_unit_vector(), (n, 1)))
    phys[:, controls.INDEX["f0_hz"]] = 110 * 2 ** (rng.integers(0, 36, n) / 12)
    phys[:, controls.INDEX["decay_s"]] = rng.uniform(0.1, 1.0, n)
    return EventSet(np.sort(rng.integers(0, (seconds - 1) * 22050, n)), controls.to_unit(phys),
                    n_samples=seconds * 22050)


def main() -> None:
    keep_freed_memory()
    events = piece()
    with TestClient(create_app(Limits(max_duration_s=60)), base_url="http://127.0.0.1") as c:
        print(f"start {mib():.0f} MiB")
        base = f"/api/sessions/{c.post('/api/sessions').json()['session_id']}"
        assert c.post(f"{base}/evc", content=events.to_bytes()).status_code == 200
        for which in ("decoded", "events"):
            c.get(f"{base}/audio/{which}")
            c.get(f"{base}/spectrogram/{which}")
        c.get(f"{base}/map")
        print(f"opened + rendered {mib():.0f} MiB")
        for i in range(0, len(events), 10):  # 30 clicked events: their audio, stages and stage images
            c.get(f"{base}/events/{i}/audio")
            for stage in c.get(f"{base}/events/{i}/stages").json()["stages"]:
                c.get(f"{base}/events/{i}/stages/{stage}/spectrogram")
        print(f"30 events inspected {mib():.0f} MiB")
        for k in range(10):
            c.post(f"{base}/edit", json={"op": "transpose", "indices": list(range(k, len(events), 7)),
                                         "semitones": 1})
            for url in ("audio/decoded", "spectrogram/decoded", "map"):
                c.get(f"{base}/{url}")
        print(f"10 edits rendered {mib():.0f} MiB")
        c.app.state.studio.sessions.sweep()  # type: ignore[attr-defined]
        print(f"after a sweep, session live {mib():.0f} MiB")
        c.delete(base)
        gc.collect()
        print(f"session deleted {mib():.0f} MiB")


if __name__ == "__main__":
    main()
