"""The entry-point fuzzer (benchmarks/fuzz_entry_points.py) for a bounded time: hostile arrays into the API
encode, crafted and mutated .evc files into the reader and the CLI. No traceback, no hang, no NaN or inf out."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "fuzz_entry_points.py"


def _fuzzer():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fuzz_entry_points", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_entry_points_survive_hostile_input_for_a_bounded_time() -> None:
    fuzz = _fuzzer()
    counts = fuzz.run(seconds=10.0, seed=22)  # ~400 cases idle, ~170 on a loaded 2-core machine
    text = fuzz.report(counts, 10.0)
    assert counts.outcomes["traceback"] == 0, text
    assert counts.outcomes["hang"] == 0, text
    assert counts.outcomes["nonfinite"] == 0, text
    assert counts.cases >= 50 and counts.outcomes["clean"] > 0 and counts.outcomes["ok"] > 0, text
    assert any(entry.startswith("api encode") for entry in counts.by_entry), text
    assert "cli decode --float" in counts.by_entry and "reader" in counts.by_entry, text
