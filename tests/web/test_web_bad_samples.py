"""The studio refuses an upload with a NaN sample as `eventcodec encode` does: 422 (its code for user errors)
and the same one line."""

from __future__ import annotations

import io

import numpy as np
import soundfile as sf
from fastapi.testclient import TestClient


def test_upload_with_a_nan_sample_is_a_400_naming_it(app_client: TestClient, session_id: str) -> None:
    x = np.zeros(22050, np.float32)
    x[11025] = np.nan
    buf = io.BytesIO()
    sf.write(buf, x, 22050, subtype="FLOAT", format="WAV")
    r = app_client.post(f"/api/sessions/{session_id}/audio?filename=nan.wav", content=buf.getvalue())
    assert r.status_code == 422  # the studio answers every user error (EventCodecError) with 422
    assert "sample at 0.500000 s is NaN" in r.text
