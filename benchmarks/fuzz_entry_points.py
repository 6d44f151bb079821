"""Fuzz every entry point a user reaches with hostile input, for a bounded time, and count what happens.

Entry points: the API `encode` on hostile arrays (NaN, inf, 1e30, subnormals, DC, silence, 1 sample, 8
channels, 8 kHz..192 kHz, odd dtypes and shapes), the format reader (`decode_evc`) and the CLI `info`,
`info --json`, `dump`, `decode --float` and `edit` on crafted and mutated .evc files. Each case ends as
`ok` (and then its output must be finite), a `clean` error (EventCodecError, or exit 2 with one
"eventcodec: error:" line), a `traceback` (any other exception), a `hang` (past its time limit) or
`nonfinite` (a NaN or inf in what it returned or wrote). Array cases take the first `--encode-share` of the
time, file cases the rest.

    .venv/bin/python benchmarks/fuzz_entry_points.py --seconds 600 --seed 1

tests/test_fuzz_entry_points.py runs it for 10 s and asserts 0 tracebacks, 0 hangs, 0 non-finite outputs;
docs/reliability.md has the counts of a long run.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import signal
import struct
import sys
import tempfile
import time
import traceback
import warnings
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from eventcodec.cli.main import main as cli_main
from eventcodec.codec import decode, encode
from eventcodec.controls import INDEX, default_unit_vector
from eventcodec.encode import EncodeOptions
from eventcodec.errors import EventCodecError
from eventcodec.format import decode_evc, encode_evc
from eventcodec.texture.grid import FRAME_SAMPLES, N_BANDS, Texture
from eventcodec.types import EventSet

RATES_HZ = (8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000)
ENCODE_LIMIT_S = 120.0
FILE_LIMIT_S = 30.0
FAST = EncodeOptions(quality="fast")


class Hang(BaseException):
    """A case ran past its time limit."""


@dataclass
class Counts:
    """What the cases came to, in all and per entry point."""

    outcomes: Counter[str] = field(default_factory=Counter)
    by_entry: dict[str, Counter[str]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def add(self, entry: str, outcome: str, detail: str = "") -> None:
        self.outcomes[outcome] += 1
        self.by_entry.setdefault(entry, Counter())[outcome] += 1
        if outcome in ("traceback", "hang", "nonfinite") and len(self.examples) < 20:
            self.examples.append(f"{entry}: {outcome}: {detail}")

    @property
    def cases(self) -> int:
        return sum(self.outcomes.values())


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def fire(*_: object) -> None:
        raise Hang

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


_current: dict[str, Any] = {}
_current_t0 = [0.0]


def _watchdog(counts: Counts) -> None:
    """SIGALRM cannot stop a case stuck inside C code: past twice its limit, report it as a hang and exit."""
    while True:
        time.sleep(1.0)
        case = dict(_current)
        if case and time.monotonic() - case["start"] > 2 * case["limit"] + 5:
            counts.add(case["entry"], "hang", "stuck in native code; the run stops here")
            print(report(counts, time.monotonic() - _current_t0[0]), flush=True)
            os._exit(1)


def _run(counts: Counts, entry: str, limit_s: float, case: Callable[[], bool]) -> None:
    """Run one case; `case` returns whether its output was finite, or raises."""
    _current.update(entry=entry, limit=limit_s, start=time.monotonic())
    try:
        with _time_limit(limit_s), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            finite = case()
        counts.add(entry, "ok" if finite else "nonfinite")
    except Hang:
        counts.add(entry, "hang")
    except EventCodecError:
        counts.add(entry, "clean")
    except Exception as e:  # the point of the fuzzer: anything else is a bug
        counts.add(entry, "traceback", "".join(traceback.format_exception_only(type(e), e)).strip()[:300])
    finally:
        _current.clear()


# --- the API encode on hostile arrays ------------------------------------------------------------------


def _music(n: int, rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / rate
    f0 = rng.uniform(100, 800)
    tone = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 4)) * np.exp(-3 * t)
    return (0.3 * tone + 0.02 * rng.standard_normal(n)).astype(np.float32)


def hostile_arrays(rng: np.random.Generator) -> Iterator[tuple[str, Any, int]]:
    """(name, array, sample rate): one round of hostile inputs, with random positions and sizes."""
    rate = int(rng.choice(RATES_HZ))
    n = int(rate * rng.uniform(0.05, 0.3))
    base = _music(n, rate, rng)
    spot = int(rng.integers(0, n))

    def put(value: float, every: int = 0) -> np.ndarray:
        x = base.astype(np.float64)
        if every:
            x[spot % every :: every] = value
        else:
            x[spot] = value
        return x

    yield "nan", put(np.nan), rate
    yield "nan-run", put(np.nan, 1000), rate
    yield "+inf", put(np.inf), rate
    yield "-inf", put(-np.inf), rate
    yield "1e30", put(1e30, 1000), rate
    yield "1e300-float64", put(1e300), rate
    yield "just-below-limit", put(999.0), rate
    yield "just-above-limit", put(1001.0), rate
    yield "subnormal", np.full(n, 1e-40, np.float32), rate
    yield "subnormal-mix", base + np.float32(1e-41) * (rng.random(n) < 0.5), rate
    yield "dc+0.5", base + 0.5, rate
    yield "dc-0.9", base - 0.9, rate
    yield "silence", np.zeros(n, np.float32), rate
    yield "1-sample", np.array([float(rng.uniform(-1, 1))], np.float32), rate
    yield "2-samples", rng.uniform(-1, 1, 2), rate
    yield "8-channels", np.stack([base * (k + 1) / 8 for k in range(8)], axis=1), rate
    yield "8-channels-first", np.stack([base] * 8), rate
    yield "stereo-nan-right", np.stack([base, put(np.nan)], axis=1), rate
    yield "clipped+30dB", np.clip(base * 31.6, -1, 1), rate
    yield "int16", (base * 20000).astype(np.int16), rate
    yield "empty", np.zeros(0, np.float32), rate
    yield "3-d", base[: n // 4 * 4].reshape(2, 2, -1), rate
    yield "bool", base > 0, rate
    yield "rate-0", base, 0
    yield "rate-nan", base, float("nan")


def encode_case(audio: Any, rate: float) -> Callable[[], bool]:
    def case() -> bool:
        events = encode(audio, sample_rate=rate, options=FAST)  # type: ignore[arg-type]
        back = decode_evc(encode_evc(events))
        rendered = decode(back, n_samples=min(back.n_samples, 22050))
        return bool(np.all(np.isfinite(back.vectors)) and np.all(np.isfinite(rendered)))

    return case


# --- crafted and mutated .evc files -------------------------------------------------------------------------


def _base_files(rng: np.random.Generator) -> list[bytes]:
    n_samples = int(rng.integers(1, 4 * 2**16))
    n = int(rng.integers(0, 60))
    vectors = np.tile(default_unit_vector(), (n, 1))
    for name in ("amp_db", "f0_hz", "decay_s", "tonal_mix"):
        vectors[:, INDEX[name]] = rng.random(n)
    times = np.sort(rng.integers(0, n_samples, n))
    plain = EventSet(times, vectors, n_samples=n_samples, meta={"encoder": "fuzz", "gain": 1.5})
    frames = -(-n_samples // FRAME_SAMPLES)
    textured = plain.replace(texture=Texture(rng.integers(0, 30, (frames, N_BANDS)), rng.integers(0, 2, (
        -(-frames // 4), 185))))
    return [encode_evc(plain), encode_evc(textured)]


def _with_header(data: bytes, text: bytes) -> bytes:
    return data[:8] + struct.pack("<HHII", struct.unpack_from("<H", data, 8)[0], 0, len(text),
                                  zlib.crc32(text)) + text + data[20 + struct.unpack_from("<I", data, 12)[0]:]


def _header_json(data: bytes) -> dict[str, Any]:
    from eventcodec.format.container import EvcReader

    h = EvcReader(io.BytesIO(data)).header
    return json.loads(h.to_bytes())


HEADER_EDITS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("model_hash-surrogate", lambda h: h.update(model_hash="\ud800")),
    ("model_hash-escapes", lambda h: h.update(model_hash="\x1b[2J\r\n\x07\u202e")),
    ("meta-huge-int", lambda h: h.update(meta={"x": 10**400})),
    ("sample_rate-1", lambda h: h.update(sample_rate=1)),
    ("sample_rate-max", lambda h: h.update(sample_rate=768000)),
    ("n_samples-0", lambda h: h.update(n_samples=0)),
    ("n_samples-huge", lambda h: h.update(n_samples=2**40)),
    ("quantizer-latent", lambda h: h.update(space="latent")),
    ("quantizer-wide", lambda h: h.update(quantizer={"bits": 16, "lo": [-3e38] * 32, "hi": [3e38] * 32})),
    ("quantizer-bigint", lambda h: h.update(quantizer={"bits": 8, "lo": [0] * 32, "hi": [10**400] * 32})),
]
RAW_HEADER_EDITS: list[tuple[str, bytes, bytes]] = [
    ("meta-1e400", b'"gain":1.5', b'"gain":1e400'),
    ("meta-duplicate", b'"gain":1.5', b'"gain":1.5,"gain":2'),
    ("meta-nan", b'"gain":1.5', b'"gain":NaN'),
    ("bad-utf8", b'"fuzz"', b'"\xff\xfe"'),
]


def _texture_file(code: int) -> bytes:
    """One chunk, no events, every texture code `code`, assembled below the writer's checks."""
    from eventcodec.format import payload
    from eventcodec.format.container import texture_section, write
    from eventcodec.format.header import CHUNK_SAMPLES, Header
    from eventcodec.format.quantizer import controls_quantizer
    from eventcodec.format.texture_payload import FRAMES_PER_CHUNK, SEGMENTS_PER_CHUNK, pack_codes, pack_mask
    from eventcodec.texture.grid import GRID

    codes = np.full((FRAMES_PER_CHUNK, N_BANDS), code, np.uint8)
    method, stored = pack_codes(codes, payload.compressor())
    section = texture_section(method, pack_mask(stored, np.zeros((SEGMENTS_PER_CHUNK, 185), np.uint8)))
    header = Header(22050, CHUNK_SAMPLES, "controls", "", CHUNK_SAMPLES, 1, 0, controls_quantizer(), {}, GRID)
    return write(header, [(0, payload.METHOD_STORED, section)])


def hostile_files(rng: np.random.Generator) -> Iterator[tuple[str, bytes]]:
    """(name, bytes): crafted headers and texture codes, flipped and truncated bytes, slack."""
    yield "texture-code", _texture_file(int(rng.integers(41, 256)))
    for base in _base_files(rng):
        yield "valid", base
        header = _header_json(base)
        for name, change in HEADER_EDITS:
            h = json.loads(json.dumps(header))
            change(h)
            yield name, _with_header(base, json.dumps(h, sort_keys=True, separators=(",", ":")).encode())
        text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
        for name, old, new in RAW_HEADER_EDITS:
            yield name, _with_header(base, text.replace(old, new))
        for _ in range(6):
            flipped = bytearray(base)
            for _ in range(int(rng.integers(1, 4))):
                flipped[int(rng.integers(0, len(base)))] ^= int(rng.integers(1, 256))
            yield "flip", bytes(flipped)
        yield "truncated", base[: int(rng.integers(0, len(base)))]
        yield "trailing", base + bytes(rng.integers(0, 256, int(rng.integers(1, 64)), dtype=np.uint8))
        yield "empty", b""


def file_cases(path: Path, out: Path) -> list[tuple[str, Callable[[], bool]]]:
    """The reader and the CLI commands on the file at `path` (outputs under `out`)."""

    def library() -> bool:
        events = decode_evc(path.read_bytes())
        return bool(np.all(np.isfinite(events.vectors)))

    def cli(*args: str, wav: Path | None = None) -> Callable[[], bool]:
        def case() -> bool:
            err = io.StringIO()
            stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")  # strict, as a UTF-8 terminal is
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(stdout):
                rc = cli_main(list(args))
                stdout.flush()
            if rc != 0:
                lines = [line for line in err.getvalue().splitlines() if line.strip()]
                if rc == 2 and lines and lines[-1].startswith("eventcodec: error:"):
                    raise EventCodecError(lines[-1])
                raise RuntimeError(f"exit {rc}: {err.getvalue()[-300:]}")
            if wav is not None and wav.exists():
                audio, _ = sf.read(wav, dtype="float32")
                wav.unlink()
                return bool(np.all(np.isfinite(audio)))
            return True

        return case

    wav, edited = out / "fuzz.wav", out / "fuzz-edited.evc"
    return [
        ("reader", library),
        ("cli info", cli("info", str(path))),
        ("cli info --json", cli("info", "--json", str(path))),
        ("cli dump", cli("dump", str(path))),
        ("cli decode --float", cli("decode", str(path), str(wav), "--float", "--duration", "1", "-q", wav=wav)),
        ("cli edit", cli("edit", str(path), str(edited), "--gain", "3", "--quiet")),
    ]


def run(seconds: float, seed: int = 0, encode_share: float = 0.5) -> Counts:
    """Rounds of array cases for `encode_share` of `seconds`, then rounds of file cases for the rest."""
    rng = np.random.default_rng(seed)
    counts = Counts()
    t0 = time.monotonic()
    _current.clear()
    _current_t0[0] = t0
    import threading

    threading.Thread(target=_watchdog, args=(counts,), daemon=True).start()
    encode_until, files_until = t0 + encode_share * seconds, t0 + seconds
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        path = out / "fuzz.evc"
        while time.monotonic() < encode_until:
            cases = list(hostile_arrays(rng))
            for k in rng.permutation(len(cases)):  # a short run still meets many kinds
                name, audio, rate = cases[k]
                _run(counts, f"api encode ({name})", ENCODE_LIMIT_S, encode_case(audio, rate))
                if time.monotonic() > encode_until:
                    break
        while time.monotonic() < files_until:
            for _, data in hostile_files(rng):
                path.write_bytes(data)
                for entry, case in file_cases(path, out):
                    _run(counts, entry, FILE_LIMIT_S, case)
                if time.monotonic() > files_until:
                    break
    return counts


def report(counts: Counts, seconds: float) -> str:
    o = counts.outcomes
    lines = [f"cases tried: {counts.cases} in {seconds:.0f} s", f"ok (finite output): {o['ok']}",
             f"clean errors: {o['clean']}", f"tracebacks: {o['traceback']}", f"hangs: {o['hang']}",
             f"non-finite outputs: {o['nonfinite']}", "", "| entry point | cases | ok | clean error | other |",
             "|---|---|---|---|---|"]
    merged: dict[str, Counter[str]] = {}
    for entry, c in counts.by_entry.items():
        merged.setdefault(entry.split(" (")[0], Counter()).update(c)
    for entry, c in sorted(merged.items()):
        other = c["traceback"] + c["hang"] + c["nonfinite"]
        lines.append(f"| {entry} | {sum(c.values())} | {c['ok']} | {c['clean']} | {other} |")
    return "\n".join([*lines, *counts.examples])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0, help="time budget (default 60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--encode-share", type=float, default=0.5, help="share of the time for API encode cases")
    args = p.parse_args()
    t0 = time.monotonic()
    counts = run(args.seconds, args.seed, args.encode_share)
    print(report(counts, time.monotonic() - t0))
    bad = counts.outcomes["traceback"] + counts.outcomes["hang"] + counts.outcomes["nonfinite"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
