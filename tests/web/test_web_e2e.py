"""End to end: Debian's headless Chromium drives the real studio server (uvicorn on 127.0.0.1) and
the real "abs" encoder: upload, encode, see the events, delete one, re-render, download the .evc.

Set EVENTCODEC_STUDIO_SHOTS=docs/studio to refresh the screenshots in the docs.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import numpy as np
import psutil
import pytest
import soundfile as sf

from eventcodec.types import EventSet
from eventcodec.web.app import DEFAULT_EXAMPLE, Studio, create_app
from eventcodec.web.security import Limits

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
ENCODE_TIMEOUT_MS = 300_000
CLIP_S = 3.5

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                                                              "(apt-get install chromium)")


@pytest.fixture(scope="module")
def server(serve: Callable[[object], AbstractContextManager[str]]) -> Iterator[tuple[str, Studio]]:
    """The studio app served by uvicorn in a thread, on a free 127.0.0.1 port."""
    app = create_app(Limits(max_running_jobs=2, unwatched_grace_s=3.0, max_duration_s=30.0))
    with serve(app) as url:
        yield url, app.state.studio


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    audio, sr = sf.read(DEFAULT_EXAMPLE, dtype="float32")
    path = tmp_path_factory.mktemp("clip") / "minstrels.wav"
    sf.write(path, audio[: round(CLIP_S * sr)], sr)
    return path


def _shot(page: object, name: str, tmp: Path) -> None:
    page.screenshot(path=str(tmp / name), full_page=True)  # type: ignore[attr-defined]
    dest = os.environ.get("EVENTCODEC_STUDIO_SHOTS")
    if dest:
        shutil.copy(tmp / name, Path(dest) / name)


def _open(browser: object, url: str, errors: list[str]) -> object:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("body[data-session=ready]")
    return page


def _encoded_count(page: object) -> int:
    page.wait_for_selector("body[data-state=ready]", timeout=ENCODE_TIMEOUT_MS)  # type: ignore[attr-defined]
    return int(page.get_attribute("#timeline", "data-count"))  # type: ignore[attr-defined]


def test_upload_encode_delete_render_download(server: tuple[str, Studio], browser: object, clip: Path,
                                              tmp_path: Path) -> None:
    url, _ = server
    errors: list[str] = []
    page, other = _open(browser, url, errors), _open(browser, url, errors)
    # two sessions at once: both upload and encode at the same time
    page.set_input_files("#file", str(clip))  # type: ignore[attr-defined]
    other.set_input_files("#file", str(clip))  # type: ignore[attr-defined]
    page.wait_for_selector("#job:not([hidden])")  # type: ignore[attr-defined]
    n = _encoded_count(page)
    n_other = _encoded_count(other)
    assert n > 0 and n_other == n  # same clip, deterministic encoder
    assert page.locator("#events .event").count() == n  # type: ignore[attr-defined]

    page.hover("#events .event >> nth=-1")  # type: ignore[attr-defined]
    assert "f0_hz" in page.inner_text("#tooltip")  # type: ignore[attr-defined]
    page.click("#events .event >> nth=-1")  # type: ignore[attr-defined]
    page.wait_for_selector("#stages figure.stage >> nth=4")  # type: ignore[attr-defined]
    assert page.locator("#controls tr").count() == 32  # type: ignore[attr-defined]
    assert page.locator("#events .event.selected").count() == 1  # type: ignore[attr-defined]
    page.wait_for_selector("#map circle >> nth=0")  # type: ignore[attr-defined]
    _shot(page, "studio.png", tmp_path)

    page.click("#delete")  # type: ignore[attr-defined]
    page.wait_for_selector(f"#timeline[data-count='{n - 1}']")  # type: ignore[attr-defined]
    assert page.locator("#events .event").count() == n - 1  # type: ignore[attr-defined]
    assert other.locator("#events .event").count() == n  # type: ignore[attr-defined]  # untouched

    with page.expect_response(lambda r: "/audio/decoded" in r.url and r.status == 200,  # type: ignore[attr-defined]
                              timeout=120_000) as rendered:
        page.click("#play")  # type: ignore[attr-defined]
    wav, sr = sf.read(__import__("io").BytesIO(rendered.value.body()))
    assert sr == 22050 and abs(len(wav) - CLIP_S * 22050) < 2**16 and np.abs(wav).max() > 1e-3

    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("#dl-evc")  # type: ignore[attr-defined]
    events = EventSet.from_bytes(Path(download.value.path()).read_bytes())
    assert len(events) == n - 1
    assert download.value.suggested_filename == "minstrels.evc"

    page.click("#undo")  # type: ignore[attr-defined]
    page.wait_for_selector(f"#timeline[data-count='{n}']")  # type: ignore[attr-defined]
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    page.context.close()  # type: ignore[attr-defined]
    other.context.close()  # type: ignore[attr-defined]


def test_closing_a_tab_mid_encode_leaves_no_job(server: tuple[str, Studio], browser: object, clip: Path) -> None:
    url, studio = server
    page = _open(browser, url, [])
    page.set_input_files("#file", str(clip))  # type: ignore[attr-defined]
    page.wait_for_function("document.getElementById('job-message').textContent.length > 0")  # type: ignore[attr-defined]
    deadline = time.monotonic() + 20
    while not studio.jobs.active() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert studio.jobs.active(), "the encode did not start"
    page.context.close()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 15
    while studio.jobs.active() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not studio.jobs.active()
    workers = [c for c in psutil.Process().children(recursive=True) if "eventcodec.web.worker" in " ".join(c.cmdline())]
    assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]
