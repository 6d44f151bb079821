"""What a musician hits in the first minutes, in real Chromium against the real server and encoder:
a second upload, "first N s" of a long file, a refused upload during an encode, a reload, undo, opening
another .evc, replacing by a neighbour and transposing unpitched events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from studio_helpers import CHROMIUM, short_events

from eventcodec import controls
from eventcodec.web.app import DEFAULT_EXAMPLE, Studio, create_app
from eventcodec.web.security import Limits

MAX_S = 3.0
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")


@pytest.fixture(scope="module")
def server(serve: Callable[[object], AbstractContextManager[str]]) -> Iterator[tuple[str, Studio]]:
    app = create_app(Limits(max_duration_s=MAX_S, unwatched_grace_s=3.0))
    with serve(app) as url:
        yield url, app.state.studio


def _open(browser: Any, url: str) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.goto(url)
    page.wait_for_selector("body[data-session=ready]")
    return page


def _png_width(page: Any, url: str, src: str) -> int:
    body = page.request.get(url + src).body()
    assert body[:4] == b"\x89PNG"
    return int.from_bytes(body[16:20], "big")


def _version(page: Any) -> str:
    return str(page.get_attribute("#timeline", "data-version"))


def _wait_new_version(page: Any, old: str) -> None:
    page.wait_for_selector(f"#timeline:not([data-version='{old}'])")


def test_uploads_clips_refusals_and_reload(server: tuple[str, Studio], browser: Any, tmp_path: Path) -> None:
    import time

    url, studio = server
    audio, sr = sf.read(DEFAULT_EXAMPLE, dtype="float32")
    long, second, junk = tmp_path / "long.wav", tmp_path / "second.wav", tmp_path / "junk.wav"
    sf.write(long, audio[: round((MAX_S + 1) * sr)], sr)  # over the limit, but only its first second is asked for
    sf.write(second, audio[round(4 * sr) : round(6 * sr)], sr)
    junk.write_bytes(b"not audio at all" * 64)
    page = _open(browser, url)
    page.fill("#clip", "1")
    page.set_input_files("#file", str(long))
    page.wait_for_selector("body[data-state=ready], body[data-state=refused]", timeout=120_000)
    assert page.get_attribute("body", "data-state") == "ready", page.inner_text("#status")
    n = int(page.get_attribute("#timeline", "data-count"))

    # the original behind the events is cut to the same first second
    assert page.input_value("#background") == "original"
    original = str(page.get_attribute("#spectrogram", "src"))
    decoded = original.replace("/original?", "/decoded?").split("?")[0]
    assert abs(_png_width(page, url, original) - _png_width(page, url, decoded)) <= 1

    # a second upload: "Original" plays the new file, not the first one
    with page.expect_request(lambda r: "/audio/original" in r.url, timeout=5000) as first:
        page.click("#play-original")
    with page.expect_response(lambda r: "/audio?filename=second.wav" in r.url):
        page.set_input_files("#file", str(second))
    with page.expect_request(lambda r: "/audio/original" in r.url, timeout=5000) as again:
        page.click("#play-original")
    assert again.value.url != first.value.url

    # a refused upload stops that encode: its result never replaces the error
    page.set_input_files("#file", str(junk))
    page.wait_for_selector("#upload-error:has-text('not an audio file')")
    deadline = time.monotonic() + 60
    while studio.jobs.active() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [j.state for j in studio.jobs._jobs.values() if j.state != "done"] == ["cancelled"]
    page.wait_for_timeout(800)  # time for a late progress event to arrive, if there were one
    assert "not an audio file" in page.inner_text("#status")
    assert page.get_attribute("body", "data-state") == "refused"

    # a reload carries on with the same session and its events
    page.reload()
    page.wait_for_selector("body[data-session=ready]")
    page.wait_for_selector(f"#timeline[data-count='{n}']")
    assert page.is_visible("#studio") and "carried on" in page.inner_text("#status")
    page.context.close()


def _unpitched(n_noise: int) -> bytes:
    events = short_events()
    phys = controls.to_physical(events.vectors)
    phys[:n_noise, controls.INDEX["tonal_mix"]] = 0.0
    return events.replace(vectors=controls.to_unit(phys).astype(np.float32)).to_bytes()


def _with_evc(browser: Any, url: str, path: Path, data: bytes) -> Any:
    path.write_bytes(data)
    page = _open(browser, url)
    page.set_input_files("#open-evc", str(path))
    page.wait_for_selector("#timeline[data-count='6']")
    return page


def test_replacing_by_a_neighbour_keeps_the_neighbour_list(server: tuple[str, Studio], browser: Any,
                                                           tmp_path: Path) -> None:
    page = _with_evc(browser, server[0], tmp_path / "a.evc", short_events().to_bytes())
    assert not page.is_enabled(".transpose >> nth=0")  # nothing selected yet
    page.click("#events .event >> nth=5")
    page.wait_for_selector("#neighbours li")
    v = _version(page)
    page.drag_and_drop("#neighbours li >> nth=0", "#events .event.selected")
    _wait_new_version(page, v)
    page.wait_for_selector("#status:has-text('replaced by event')")
    page.wait_for_selector("#neighbours li", timeout=5000)
    page.context.close()


def test_undo_refreshes_status_selection_and_inspector(server: tuple[str, Studio], browser: Any,
                                                        tmp_path: Path) -> None:
    page = _with_evc(browser, server[0], tmp_path / "a.evc", short_events().to_bytes())
    page.click("#events .event >> nth=5")
    assert page.inner_text("#inspected").startswith("5 at")
    v = _version(page)
    page.click("#delete")
    _wait_new_version(page, v)
    v = _version(page)
    page.click("#undo")
    _wait_new_version(page, v)
    assert "undone" in page.inner_text("#status")
    assert page.locator("#events .event.selected").count() == 0 and page.inner_text("#inspected") == ""
    page.context.close()


def test_opening_another_evc_clears_the_inspector(server: tuple[str, Studio], browser: Any, tmp_path: Path) -> None:
    page = _with_evc(browser, server[0], tmp_path / "a.evc", short_events().to_bytes())
    page.click("#events .event >> nth=5")
    assert page.inner_text("#inspected").startswith("5 at")
    v = _version(page)
    (tmp_path / "b.evc").write_bytes(short_events(seed=1).to_bytes())
    page.set_input_files("#open-evc", str(tmp_path / "b.evc"))
    _wait_new_version(page, v)
    assert page.inner_text("#inspected") == "" and page.locator("#controls tr").count() == 0
    page.context.close()


def test_transposing_unpitched_events_is_refused(server: tuple[str, Studio], browser: Any, tmp_path: Path) -> None:
    page = _with_evc(browser, server[0], tmp_path / "noise.evc", _unpitched(3))
    v = _version(page)
    page.fill("#filter", "index < 3")
    page.click("#filter-form button")
    page.wait_for_selector("#events .event.selected >> nth=2")
    page.click(".transpose[data-semitones='12']")
    page.wait_for_selector("#status.error:has-text('unpitched')")
    assert "unpitched" in page.inner_text("#edit-error")  # next to the buttons, not only at the top
    assert not page.is_enabled("#undo") and _version(page) == v
    page.context.close()
