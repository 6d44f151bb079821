"""`eventcodec studio`: flags are checked, and the command serves the studio on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from eventcodec.cli.main import main


@pytest.mark.parametrize("argv", [["studio", "--host", "example.com"], ["studio", "--port", "70000"],
                                  ["studio", "--max-upload-mb", "0"]])
def test_bad_flags_are_one_line_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("eventcodec: error:")


def test_studio_serves_on_loopback() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "eventcodec.cli.main", "studio", "--port", str(port), "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, page = time.monotonic() + 60, b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page, csp = r.read(), r.headers["Content-Security-Policy"]
                break
            except OSError:
                time.sleep(0.2)
        assert b"eventcodec studio" in page and "script-src 'self'" in csp
    finally:
        proc.terminate()
        proc.wait(10)
