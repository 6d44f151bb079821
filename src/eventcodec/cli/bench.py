"""`eventcodec bench`: rate, quality, speed and memory of eventcodec vs Opus, MP3, Vorbis and Gabor MP."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from eventcodec.cli.outputs import add_overwrite
from eventcodec.cli.threads import add_threads
from eventcodec.errors import EventCodecError
from eventcodec.fileio import write_bytes_atomic

QUICK_SYSTEMS = ("eventcodec-*-fast@3k", "eventcodec-abs-fast-events@3k", "opus@6k", "opus@12k", "mp3@16k",
                 "vorbis@q-1", "gabor-mp@3k")
QUICK_CLIPS = 2
QUICK_SECONDS = 6.0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bench", help="benchmark against Opus, MP3, Vorbis and Gabor MP",
                       description="Encode and decode every clip of a corpus with every system; write a markdown "
                                   "table, per-clip JSON/CSV and a rate-distortion plot.")
    p.add_argument("--corpus", type=Path, default=Path("corpus"),
                   help="corpus folder (scripts/make_corpus.py; default: corpus/)")
    p.add_argument("--split", choices=("test", "dev", "all"), default=None,
                   help="which clips (default: test; dev with --quick)")
    p.add_argument("--systems", nargs="+", metavar="PATTERN",
                   help="system names or shell patterns (anchors are always included); see --list-systems")
    p.add_argument("--out", type=Path, default=Path("out/bench"), help="output folder (default: out/bench)")
    p.add_argument("--quick", action="store_true",
                   help=f"{QUICK_CLIPS} dev clips cut to {QUICK_SECONDS:g} s and a few systems: a check in minutes")
    p.add_argument("--clips", type=int, default=None, metavar="N", help="only the first N clips")
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="run every N-th clip from the I-th (1-based) of the selection, e.g. on N machines or cores; "
                        "combine the shards' folders with --report-only --merge")
    p.add_argument("--max-seconds", type=float, default=None, metavar="S", help="cut each clip to its first S s")
    p.add_argument("--timeout", type=float, default=900.0, metavar="S",
                   help="limit per encode/decode process in seconds (default 900); past it the run is failed")
    p.add_argument("--no-visqol", action="store_true", help="skip ViSQOL")
    p.add_argument("--keep-audio", action="store_true", help="keep decoded audio and compressed files in OUT/work")
    p.add_argument("--list-systems", action="store_true", help="print the system names and exit")
    p.add_argument("--report-only", action="store_true",
                   help="rebuild table.md and rd.png from OUT/results.json (e.g. of an interrupted run) and exit")
    p.add_argument("--merge", nargs="+", type=Path, default=None, metavar="DIR",
                   help="with --report-only: combine the results.json of these runs (e.g. shards) into OUT")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_overwrite(p)
    add_threads(p, "threads of the benchmark and of each eventcodec process it runs (default: $OMP_NUM_THREADS, "
                "else all cores this process may use)")
    p.set_defaults(func=_bench)


def _command_line(args: argparse.Namespace) -> str:
    """The options of this run as a command that reproduces it."""
    parts = ["eventcodec", "bench", "--corpus", str(args.corpus), "--out", str(args.out)]
    if args.quick:
        parts.append("--quick")
    if args.split:
        parts += ["--split", args.split]
    if args.systems:
        parts += ["--systems", *args.systems]
    for flag, value in (("--clips", args.clips), ("--max-seconds", args.max_seconds)):
        if value is not None:
            parts += [flag, f"{value:g}"]
    if args.shard:
        parts += ["--shard", args.shard]
    parts += ["--timeout", f"{args.timeout:g}"]
    parts += ["--no-visqol"] if args.no_visqol else []
    return " ".join(shlex.quote(p) for p in parts)


def _bench(args: argparse.Namespace) -> int:
    from eventcodec.bench.corpus import load_corpus
    from eventcodec.bench.machine import machine_info
    from eventcodec.bench.report import write_rows
    from eventcodec.bench.run import BenchConfig, Row, run_bench
    from eventcodec.bench.systems import select_systems
    from eventcodec.metrics import visqol_available

    if args.list_systems:
        print("\n".join(s.name for s in select_systems(None)))
        return 0
    if args.merge and not args.report_only:
        raise EventCodecError("--merge goes with --report-only")
    if args.report_only:
        return _report_only(args.out, args.quiet, args.merge, args.overwrite)
    if (args.out / "results.json").exists() and not args.overwrite:
        raise EventCodecError(f"{args.out} holds the results of a run: pass -y/--overwrite to replace them, or "
                              "another --out")
    patterns = args.systems or (list(QUICK_SYSTEMS) if args.quick else None)
    systems = select_systems(patterns)
    clips = load_corpus(args.corpus, args.split or ("dev" if args.quick else "test"))
    n_clips = args.clips if args.clips is not None else (QUICK_CLIPS if args.quick else None)
    if n_clips is not None:
        if n_clips < 1:
            raise EventCodecError(f"--clips must be >= 1, got {n_clips}")
        clips = clips[:n_clips]
    if args.shard:
        index, count = parse_shard(args.shard)
        clips = clips[index - 1 :: count]
        if not clips:
            raise EventCodecError(f"shard {args.shard} holds no clip")
    max_s = args.max_seconds if args.max_seconds is not None else (QUICK_SECONDS if args.quick else None)
    if max_s is not None and not max_s > 0:
        raise EventCodecError(f"--max-seconds must be > 0, got {max_s}")
    if not args.timeout > 0:
        raise EventCodecError(f"--timeout must be > 0, got {args.timeout}")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise EventCodecError(f"--out {out} exists and is not a folder")
    if out.resolve() == args.corpus.resolve():
        raise EventCodecError("--out must not be the corpus folder")
    out.mkdir(parents=True, exist_ok=True)
    if not args.no_visqol and not visqol_available():  # say it now, not after an hour of FAILED cells
        print("eventcodec bench: warning: ViSQOL is not installed (pip install 'eventcodec[bench]'); its column "
              "will read FAILED. Pass --no-visqol to skip it knowingly.", file=sys.stderr)
    cfg = BenchConfig(timeout_s=args.timeout, visqol=not args.no_visqol, max_seconds=max_s,
                      keep_dir=(out / "work") if args.keep_audio else None)
    command = _command_line(args)
    meta = {"command": command, "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "corpus": str(args.corpus), "clips": [c.name for c in clips], "max_seconds": max_s,
            "systems": [s.name for s in systems], "machine": machine_info()}
    done: list[Row] = []

    def save(row: Row) -> None:  # partial results survive an interrupted run
        done.append(row)
        write_rows(out, done, meta)

    t0 = time.perf_counter()
    rows = run_bench(clips, systems, cfg, progress=not args.quiet, on_row=save)
    meta["wall_s"] = round(time.perf_counter() - t0, 1)
    write_rows(out, rows, meta)
    _write_report(out, rows, meta, args.quiet)
    return 0


def parse_shard(text: str) -> tuple[int, int]:
    """"I/N" -> (I, N) with 1 <= I <= N.

    Raises:
        EventCodecError: anything else.
    """
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise EventCodecError(f"--shard must look like I/N (e.g. 1/2), got {text!r}") from None
    if not 1 <= i <= n:
        raise EventCodecError(f"--shard {text}: need 1 <= I <= N")
    return i, n


def _read_results(folder: Path) -> tuple[list[Any], dict[str, Any]]:
    import json

    from eventcodec.bench.run import Row

    path = folder / "results.json"
    try:
        data = json.loads(path.read_text())
        return [Row(**r) for r in data["rows"]], data["meta"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise EventCodecError(f"cannot read benchmark results {path}: {e}") from None


def merge_meta(metas: list[dict[str, Any]]) -> dict[str, Any]:
    """One run's metadata for several (shards of one benchmark): their clips, systems and commands together."""
    meta = dict(metas[0])
    meta["clips"] = [c for m in metas for c in m.get("clips", [])]
    meta["systems"] = list(dict.fromkeys(s for m in metas for s in m.get("systems", [])))
    meta["command"] = " ; ".join(m["command"] for m in metas)
    if all("wall_s" in m for m in metas):
        meta["wall_s"] = max(m["wall_s"] for m in metas)  # shards run side by side
    meta["merged_from"] = len(metas)
    return meta


def _report_only(out: Path, quiet: bool, merge: list[Path] | None = None, overwrite: bool = False) -> int:
    from eventcodec.bench.report import write_rows

    path = out / "results.json"
    if merge:
        if any(d.resolve() == out.resolve() for d in merge):
            raise EventCodecError("--out must be a new folder, not one of the --merge folders")
        if path.exists() and not overwrite:
            raise EventCodecError(f"{out} holds the results of a run: pass -y/--overwrite to replace them, or "
                                  "another --out")
        parts = [_read_results(d) for d in merge]
        rows, meta = [r for rs, _ in parts for r in rs], merge_meta([m for _, m in parts])
        out.mkdir(parents=True, exist_ok=True)
        write_rows(out, rows, meta)
    else:
        rows, meta = _read_results(out)
    # An interrupted run: report only the clips every system finished, so all means cover the same clips.
    systems = set(meta.get("systems") or {r.system for r in rows})
    complete = [c for c in dict.fromkeys(r.clip for r in rows) if {r.system for r in rows if r.clip == c} >= systems]
    rows = [r for r in rows if r.clip in complete]
    if not rows:
        raise EventCodecError(f"{path} holds no clip that every system finished")
    _write_report(out, rows, meta, quiet)
    return 0


def _write_report(out: Path, rows: list[Any], meta: dict[str, Any], quiet: bool) -> None:
    """table.md (with the command and machine) and rd.png from the rows of a run."""
    from eventcodec.bench.report import markdown_table, plot_rate_distortion, summarize

    summaries = summarize(rows)
    clips = list(dict.fromkeys(r.clip for r in rows))
    first = rows[0].system
    audio_s = sum(r.duration_s for r in rows if r.system == first)
    m = meta["machine"]
    wall = f"{meta['wall_s']} s" if "wall_s" in meta else "interrupted"
    header = (f"# Benchmark results\n\nCommand: `{meta['command']}`  \n"
              f"Run: {meta['started_utc']} UTC, {wall}; {len(clips)} clips, {audio_s:.0f} s of audio "
              f"({meta['corpus']}: {', '.join(clips)}).  \n"
              f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, load at start "
              f"{m['load_avg_1_5_15']}; Python {m['python']}, torch {m['torch']}, commit {m['git_commit']}.\n\n"
              "kbps from the real file size; ST-corr mean ± sd over clips; FS-corr (harmonic fine structure) "
              "mean over clips, – where a run predates it; speeds are audio seconds per wall second "
              "of each process (start-up included); memory is each process's peak RSS. Anchors are reference "
              "signals, not codecs: what a metric gives them shows what it cannot tell apart.\n\n")
    write_bytes_atomic(out / "table.md", (header + markdown_table(summaries)).encode())
    plot_rate_distortion(out / "rd.png", summaries, f"eventcodec bench: {len(clips)} clips, {audio_s:.0f} s")
    if not quiet:
        print(markdown_table(summaries))
        print(f"wrote {out}/table.md, results.json, results.csv, rd.png", file=sys.stderr)
