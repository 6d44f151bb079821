"""Instruments in the studio: labels and descriptions in the events payload, stable through edits, in the
filter box, and in the page (colour by instrument, a legend whose entries select an instrument's events)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from studio_helpers import CHROMIUM, TEST_LIMITS, three_timbres

from eventcodec.web.app import create_app


def _open(client: TestClient, sid: str) -> dict[str, Any]:
    r = client.post(f"/api/sessions/{sid}/evc?filename=three.evc", content=three_timbres()[0].to_bytes())
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_events_payload_carries_instruments_kept_through_edits(app_client: TestClient, session_id: str) -> None:
    _, group = three_timbres()
    view = _open(app_client, session_id)
    assert [e["instrument"] for e in view["events"]] == group.tolist()
    listed = view["instruments"]
    assert [(x["index"], x["n_events"], x["pitched"]) for x in listed] == [(0, 5, True), (1, 5, True), (2, 5, False)]
    assert listed[1]["description"].startswith("pitched, held, dark") and listed[2]["pitch_range"] == ""
    # deleting instrument 0 keeps the numbering of the rest (re-clustering would have renamed 1 -> 0)
    r = app_client.post(f"/api/sessions/{session_id}/edit",
                        json={"op": "delete", "indices": np.flatnonzero(group == 0).tolist()})
    after = r.json()
    assert [e["instrument"] for e in after["events"]] == group[group != 0].tolist()
    assert [x["index"] for x in after["instruments"]] == [1, 2]
    r = app_client.post(f"/api/sessions/{session_id}/select", json={"expression": "instrument == 2"})
    assert r.status_code == 200 and r.json()["indices"] == np.flatnonzero(group[group != 0] == 2).tolist()


pytestmark_browser = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def server(serve: Callable[[object], AbstractContextManager[str]]) -> Iterator[str]:
    with serve(create_app(TEST_LIMITS)) as url:
        yield url


@pytestmark_browser
def test_timeline_colours_by_instrument_and_the_legend_selects(server: str, browser: Any, tmp_path: Path) -> None:
    es, group = three_timbres()
    path = tmp_path / "three.evc"
    path.write_bytes(es.to_bytes())
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    errors: list[str] = []  # a style the CSP refuses shows here
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server)
    page.wait_for_selector("body[data-session=ready]")
    page.set_input_files("#open-evc", str(path))
    page.wait_for_selector("#events circle.event")
    fills = page.eval_on_selector_all("#events circle.event", "cs => cs.map(c => getComputedStyle(c).fill)")
    assert len(fills) == len(group)
    assert len({fills[i] for i in range(len(group)) if group[i] == 0}) == 1
    assert len(set(fills)) == 3  # one colour per instrument
    entries = page.locator("#instruments li")
    assert entries.count() == 3 and "held" in entries.nth(1).inner_text()
    if os.environ.get("STUDIO_SHOT"):
        page.screenshot(path=os.environ["STUDIO_SHOT"])
    entries.nth(1).click()
    chosen = page.eval_on_selector_all("#events circle.event.selected", "cs => cs.map(c => Number(c.dataset.index))")
    assert sorted(chosen) == np.flatnonzero(group == 1).tolist()
    page.click("#select-invert")  # solo = select, invert, delete
    chosen = page.eval_on_selector_all("#events circle.event.selected", "cs => cs.map(c => Number(c.dataset.index))")
    assert sorted(chosen) == np.flatnonzero(group != 1).tolist()
    # the filter box knows instruments too; "colour by: pitched" brings back the two-colour view
    page.fill("#filter", "instrument == 2")
    page.click("#filter-form button[type=submit]")
    page.wait_for_selector("#status:has-text('5 events match')")
    chosen = page.eval_on_selector_all("#events circle.event.selected", "cs => cs.map(c => Number(c.dataset.index))")
    assert sorted(chosen) == np.flatnonzero(group == 2).tolist()
    page.select_option("#colour-by", "pitched")
    fills = page.eval_on_selector_all("#events circle.event:not(.selected)",
                                      "cs => cs.map(c => getComputedStyle(c).fill)")
    assert len(set(fills)) == 1  # instruments 0 and 1 are both pitched: one colour
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    page.context.close()
