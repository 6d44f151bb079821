"""End to end: Debian's headless Chromium drives the real studio server (uvicorn on 127.0.0.1) and
the real "abs" encoder: upload, encode, see the events, delete one, re-render, download the .evc.

Set EVENTCODEC_STUDIO_SHOTS=docs/studio to refresh the screenshots in the docs.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import pytest
import soundfile as sf
from studio_helpers import CHROMIUM

from eventcodec.types import EventSet
from eventcodec.web.app import DEFAULT_EXAMPLE, Studio, create_app
from eventcodec.web.security import Limits

ENCODE_TIMEOUT_MS = 420_000
CLIP_S = 3.0

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                              "(apt-get install chromium)")


@pytest.fixture(scope="module")
def server(serve: Callable[[object], AbstractContextManager[str]]) -> Iterator[tuple[str, Studio]]:
    """The studio app served by uvicorn in a thread, on a free 127.0.0.1 port."""
    app = create_app(Limits(max_running_jobs=2, unwatched_grace_s=3.0, max_duration_s=30.0))
    with serve(app) as url:
        yield url, app.state.studio


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, sr = sf.read(DEFAULT_EXAMPLE, dtype="float32")
    path = tmp_path_factory.mktemp("clip") / "minstrels.wav"
    sf.write(path, audio[: round(CLIP_S * sr)], sr)
    return path


def _shot(page: Any, name: str, tmp: Path) -> None:
    page.screenshot(path=str(tmp / name), full_page=True)
    dest = os.environ.get("EVENTCODEC_STUDIO_SHOTS")
    if dest:
        shutil.copy(tmp / name, Path(dest) / name)


def _open(browser: Any, url: str, errors: list[str]) -> Any:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-session=ready]")
    return page


def _encoded_count(page: Any) -> int:
    page.wait_for_selector("body[data-state=ready], body[data-state=failed]", timeout=ENCODE_TIMEOUT_MS)
    assert page.get_attribute("body", "data-state") == "ready", page.inner_text("#status")
    return int(page.get_attribute("#timeline", "data-count"))


def test_upload_encode_edit_render_download(server: tuple[str, Studio], browser: Any, clip: Path,
                                              tmp_path: Path) -> None:
    url, _ = server
    errors: list[str] = []
    page, other = _open(browser, url, errors), _open(browser, url, errors)
    page.set_input_files("#file", str(clip))
    page.wait_for_selector("#job:not([hidden])")
    n = _encoded_count(page)
    assert n > 0 and page.locator("#events .event").count() == n

    # a second browser session at the same time: it opens the first one's .evc and edits its own copy
    with page.expect_download() as first:
        page.click("#dl-evc")
    assert len(EventSet.from_bytes(Path(first.value.path()).read_bytes())) == n
    other.set_input_files("#open-evc", first.value.path())
    other.wait_for_selector(f"#timeline[data-count='{n}']")

    page.hover("#events .event >> nth=-1")
    assert "f0_hz" in page.inner_text("#tooltip")
    with page.expect_response(lambda r: "/events/" in r.url and r.url.split("?")[0].endswith("/audio")) as one:
        page.click("#events .event >> nth=-1")  # plays that event alone
    assert one.value.status == 200 and one.value.headers["content-type"] == "audio/wav"
    page.wait_for_selector("#stages figure.stage >> nth=4")
    assert page.locator("#controls tr").count() == 32
    inspector = page.inner_text("#controls")
    assert "amp" in inspector and "amp_db" not in inspector and "e-" not in inspector  # read, not raw
    assert "In filters: amp_db." in (page.locator("#controls tr >> nth=0").get_attribute("title") or "")
    assert page.locator("#events .event.selected").count() == 1
    page.wait_for_selector("#map circle >> nth=0")
    _shot(page, "studio.png", tmp_path)
    _edit_in_the_browser(page, n, tmp_path)
    page.click("#events .event >> nth=-1")

    page.click("#delete")
    page.wait_for_selector(f"#timeline[data-count='{n - 1}']")
    assert page.locator("#events .event").count() == n - 1
    assert other.locator("#events .event").count() == n  # the other session is untouched
    other.fill("#filter", "index < 2")
    other.click("#filter-form button")
    other.wait_for_selector("#events .event.selected >> nth=1")
    assert other.locator("#events .event.selected").count() == 2
    other.click("#delete")
    other.wait_for_selector(f"#timeline[data-count='{n - 2}']")
    assert page.locator("#events .event").count() == n - 1

    with page.expect_response(lambda r: "/audio/decoded" in r.url and r.status == 200,
                              timeout=120_000) as rendered:
        page.click("#play")
    page.wait_for_selector("#playhead.on", timeout=30_000)  # the transport plays, with its playhead
    wav, sr = sf.read(io.BytesIO(rendered.value.body()))
    assert sr == 22050 and abs(len(wav) - CLIP_S * 22050) < 2**16 and np.abs(wav).max() > 1e-3

    with page.expect_download() as download:
        page.click("#dl-evc")
    events = EventSet.from_bytes(Path(download.value.path()).read_bytes())
    assert len(events) == n - 1
    assert download.value.suggested_filename == "minstrels.evc"

    page.click("#undo")
    page.wait_for_selector(f"#timeline[data-count='{n}']")
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    page.context.close()
    other.context.close()


def _version(page: Any) -> str:
    return str(page.get_attribute("#timeline", "data-version"))


def _wait_new_version(page: Any, old: str) -> str:
    # selectors, not wait_for_function: the page's CSP forbids the eval that the latter needs
    page.wait_for_selector(f"#timeline:not([data-version='{old}'])")
    return _version(page)


def _edit_in_the_browser(page: Any, n: int, tmp_path: Path) -> None:
    """Neighbour drag-and-drop, filter selection, transpose, room, drag-move and box select."""
    v = _version(page)
    page.drag_and_drop("#neighbours li >> nth=-1", "#events .event.selected")
    v = _wait_new_version(page, v)
    page.wait_for_selector("#status:has-text('replaced by event')", timeout=5000)

    page.fill("#filter", "index < 3")
    page.click("#filter-form button")
    page.wait_for_selector("#events .event.selected >> nth=2")
    assert page.locator("#events .event.selected").count() == 3
    page.click(".transpose[data-semitones='12']")
    v = _wait_new_version(page, v)
    assert page.locator("#events .event.selected").count() == 3  # the selection follows the edit
    page.select_option("#room", "3")
    page.click("#set-room")
    v = _wait_new_version(page, v)

    last = page.locator("#events .event >> nth=-1")
    box = last.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y, steps=5)
    page.mouse.up()
    v = _wait_new_version(page, v)
    assert page.locator("#events .event").count() == n

    area = page.locator("#timeline").bounding_box()
    page.mouse.move(area["x"] + 2, area["y"] + 2)
    page.mouse.down()
    page.mouse.move(area["x"] + area["width"] - 2, area["y"] + area["height"] - 2, steps=8)
    page.mouse.up()
    assert page.locator("#events .event.selected").count() == n
    _shot(page, "studio-selection.png", tmp_path)
    page.keyboard.press("Escape")
    assert page.locator("#events .event.selected").count() == 0
    assert page.is_enabled("#undo")


def _wait_started(studio: Studio) -> None:
    deadline = time.monotonic() + 20
    while not studio.jobs.active() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert studio.jobs.active(), "the encode did not start"


def _no_encoders_left(studio: Studio) -> None:
    deadline = time.monotonic() + 15
    while studio.jobs.active() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not studio.jobs.active()
    while _live_encoders() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _live_encoders()


def _live_encoders() -> list[int]:
    """Pids of encoder processes still running (a killed one is a zombie until its waiter reaps it)."""
    live = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "eventcodec.web.worker" in " ".join(child.cmdline()):
                live.append(child.pid)
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            continue
    return live


def test_cancel_and_closing_a_tab_mid_encode_leave_no_job(server: tuple[str, Studio], browser: Any,
                                                          clip: Path) -> None:
    url, studio = server
    page = _open(browser, url, [])
    page.set_input_files("#file", str(clip))
    _wait_started(studio)
    page.click("#cancel")
    page.wait_for_selector("body[data-state=cancelled]")
    assert page.is_hidden("#job") and "cancelled" in page.inner_text("#status")
    _no_encoders_left(studio)

    page.set_input_files("#file", str(clip))
    _wait_started(studio)
    page.context.close()
    _no_encoders_left(studio)
