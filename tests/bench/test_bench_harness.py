import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from eventcodec.bench.corpus import Clip, load_corpus
from eventcodec.bench.process import run_measured
from eventcodec.bench.report import markdown_table, summarize
from eventcodec.bench.run import BenchConfig, run_bench
from eventcodec.bench.systems import System, eventcodec_systems, select_systems
from eventcodec.cli.main import main
from eventcodec.errors import EventCodecError

SR = 22050


def _clip(path: Path, seed: int, seconds: float = 2.0) -> Path:
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    x = 0.002 * rng.standard_normal(n)
    for _ in range(int(10 * seconds)):
        onset, f0 = rng.uniform(0, seconds - 0.1), 110 * 2 ** rng.uniform(0, 4)
        env = np.where(t >= onset, np.exp(-(t - onset) / rng.uniform(0.03, 0.2)), 0.0)
        x += sum(env * 0.1 / h * np.sin(2 * np.pi * h * f0 * t) for h in range(1, 8) if h * f0 < SR / 2)
    sf.write(path, x.astype(np.float32), SR, subtype="PCM_16")
    return path


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(2):
        _clip(root / f"clip{i}.wav", seed=i)
    return root


def test_run_measured_reports_failures_and_memory():
    ok = run_measured(["sh", "-c", "exit 0"], 10)
    assert ok.ok and ok.peak_rss_mb is not None and ok.peak_rss_mb < 50
    bad = run_measured(["sh", "-c", "echo broken >&2; exit 3"], 10)
    assert not bad.ok and bad.returncode == 3 and "broken" in bad.error
    missing = run_measured(["no-such-program-xyz"], 10)
    assert not missing.ok and "cannot run" in missing.error
    slow = run_measured(["sleep", "10"], 0.5)
    assert slow.timed_out and "timed out" in slow.error and slow.wall_s < 5


def test_failing_systems_are_reported_not_dropped(tiny_corpus: Path):
    clips = load_corpus(tiny_corpus)
    systems = [
        System("ghost@1k", "opus", 1.0, tool="no-such-codec-xyz"),
        System("eventcodec-nope@3k", "eventcodec-nope", 3.0, params=(("encoder", "nope"), ("quality", "fast"))),
        *select_systems(["anchor:*"]),
    ]
    rows = run_bench(clips[:1], systems, BenchConfig(visqol=False, timeout_s=120))
    by = {r.system: r for r in rows}
    assert set(by) == {"ghost@1k", "eventcodec-nope@3k", "anchor:lowpass-4k", "anchor:wrong-clip",
                       "anchor:noise-vocoder", "anchor:noise-vocoder-masked"}
    assert by["ghost@1k"].status == "failed" and "not installed" in by["ghost@1k"].error
    assert by["eventcodec-nope@3k"].status == "failed" and "nope" in by["eventcodec-nope@3k"].error
    assert by["anchor:wrong-clip"].status == "failed"  # one clip: nothing to compare with
    assert by["anchor:lowpass-4k"].status == "ok"
    vocoder = by["anchor:noise-vocoder"]
    assert vocoder.status == "ok" and vocoder.fs_corr is not None and abs(vocoder.fs_corr) < 0.2
    masked = by["anchor:noise-vocoder-masked"]  # the same noise on the clip's partials: fine structure returns
    assert masked.status == "ok" and masked.fs_corr is not None and masked.fs_corr > vocoder.fs_corr + 0.05
    assert by["anchor:lowpass-4k"].fs_corr is not None and by["anchor:lowpass-4k"].fs_corr > 0.9
    level = by["anchor:lowpass-4k"].level_db  # the clip without what is above 4 kHz: a little quieter
    assert level is not None and -6.0 < level < 0.0
    table = markdown_table(summarize(rows))
    assert "| ghost@1k | FAILED" in table and "no-such-codec-xyz is not installed" in table


def test_select_systems_patterns_keep_anchors_and_reject_unknown():
    names = [s.name for s in select_systems(["opus@1*"])]
    assert names == ["opus@12k", "anchor:lowpass-4k", "anchor:wrong-clip", "anchor:noise-vocoder",
                     "anchor:noise-vocoder-masked"]
    with pytest.raises(EventCodecError):
        select_systems(["flac@*"])


def test_events_only_variants_pass_no_texture_and_keep_the_textured_names(tmp_path: Path):
    systems = eventcodec_systems(["abs", "learned"])
    events = select_systems(["*-events@*"], systems)
    events = [s for s in events if not s.is_anchor]
    assert [s.name for s in events][:3] == ["eventcodec-abs-fast-events@1.5k", "eventcodec-abs-fast-events@3k",
                                            "eventcodec-abs-fast-events@6k"]
    # 3 presets x 3 bitrates, with the note stage and without it (`-pursuit-events`)
    assert len(events) == 18 and all(s.family.startswith("eventcodec-abs-") for s in events)
    for s in events:
        encode = s.commands(tmp_path / "in.wav", tmp_path).encode
        assert "--no-texture" in encode and encode[encode.index("--bitrate-kbps") + 1] == f"{s.target_kbps:g}"
        assert ("--no-notes" in encode) == ("-pursuit-" in s.name)
    textured = select_systems(["eventcodec-abs-default@3k"], systems)
    assert [s.name for s in textured if not s.is_anchor] == ["eventcodec-abs-default@3k"]
    assert "--no-texture" not in textured[0].commands(tmp_path / "in.wav", tmp_path).encode
    assert [s.name for s in select_systems(["eventcodec-abs-fast@*"], systems) if not s.is_anchor] == [
        "eventcodec-abs-fast@1.5k", "eventcodec-abs-fast@3k", "eventcodec-abs-fast@6k"]


def test_corpus_manifest_split(tmp_path: Path):
    for i in range(3):
        _clip(tmp_path / f"c{i}.wav", i, 0.2)
    clips = [{"name": f"c{i}", "file": f"c{i}.wav", "split": s} for i, s in enumerate(["dev", "test", "test"])]
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": clips}))
    assert [c.name for c in load_corpus(tmp_path, "test")] == ["c1", "c2"]
    assert [c.name for c in load_corpus(tmp_path, "dev")] == ["c0"]
    assert load_corpus(tmp_path, "all")[0] == Clip("c0", tmp_path / "c0.wav", "dev", "audio")
    with pytest.raises(EventCodecError):
        load_corpus(tmp_path / "nowhere")


@pytest.mark.skipif(shutil.which("opusenc") is None or shutil.which("opusdec") is None,
                    reason="opus-tools (opusenc/opusdec) not installed: apt-get install opus-tools")
def test_bench_end_to_end_with_opus(tiny_corpus: Path, tmp_path: Path):
    out = tmp_path / "out"
    rc = main(["bench", "--corpus", str(tiny_corpus), "--systems", "opus@6k", "opus@24k", "--out", str(out),
               "--no-visqol", "-q"])
    assert rc == 0
    data = json.loads((out / "results.json").read_text())
    rows = {(r["clip"], r["system"]): r for r in data["rows"]}
    assert len(rows) == 2 * 6  # 2 clips x (2 systems + 4 anchors)
    assert all(r["status"] == "ok" for r in rows.values())
    for clip in ("clip0", "clip1"):
        lo, hi = rows[(clip, "opus@6k")], rows[(clip, "opus@24k")]
        assert hi["st_corr"] > lo["st_corr"]
        assert hi["fs_corr"] > lo["fs_corr"] > rows[(clip, "anchor:noise-vocoder")]["fs_corr"]
        assert hi["kbps"] > lo["kbps"] > 3
        assert abs(rows[(clip, "anchor:wrong-clip")]["st_corr"]) < 0.4
        assert lo["enc_peak_mb"] is not None and lo["enc_x_realtime"] > 0
    assert (out / "rd.png").stat().st_size > 1000
    table = (out / "table.md").read_text()
    assert "opus@24k" in table and "anchor:noise-vocoder" in table and "| FS-corr ↑ |" in table
    assert "Command:" in table
    assert len((out / "results.csv").read_text().strip().splitlines()) == 1 + 12
    (out / "table.md").unlink()
    assert main(["bench", "--out", str(out), "--report-only", "-q"]) == 0
    assert (out / "table.md").read_text() == table


def test_shards_cover_the_clips_and_merge_into_one_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(3):
        _clip(root / f"clip{i}.wav", seed=i, seconds=1.0)
    outs = [tmp_path / f"s{i}" for i in (1, 2)]
    for i, out in enumerate(outs, start=1):
        assert main(["bench", "--corpus", str(root), "--systems", "anchor:*", "--shard", f"{i}/2", "--out", str(out),
                     "--no-visqol", "-q"]) == 0
    shard_clips = [{r["clip"] for r in json.loads((o / "results.json").read_text())["rows"]} for o in outs]
    assert shard_clips == [{"clip0", "clip2"}, {"clip1"}]
    merged = tmp_path / "all"
    assert main(["bench", "--out", str(merged), "--report-only", "--merge", *map(str, outs), "-q"]) == 0
    data = json.loads((merged / "results.json").read_text())
    assert {r["clip"] for r in data["rows"]} == {"clip0", "clip1", "clip2"}
    assert "--shard 1/2" in data["meta"]["command"] and "--shard 2/2" in data["meta"]["command"]
    assert "3 clips" in (merged / "table.md").read_text()
    capsys.readouterr()
    assert main(["bench", "--out", str(outs[0]), "--report-only", "--merge", *map(str, outs), "-q"]) != 0
    assert "not one of the --merge folders" in capsys.readouterr().err
    assert main(["bench", "--corpus", str(root), "--shard", "2of3", "--out", str(tmp_path / "x"), "-q"]) != 0
    assert "I/N" in capsys.readouterr().err


def _fs_corr_cell(table: str, system: str) -> str:
    line = next(x for x in table.splitlines() if x.startswith(f"| {system} |"))
    return line.split("|")[4].strip()


def test_merge_reads_results_from_before_fs_corr(tmp_path: Path):
    root = tmp_path / "corpus"
    root.mkdir()
    for i in range(2):
        _clip(root / f"clip{i}.wav", seed=i, seconds=1.0)
    old, new = tmp_path / "old", tmp_path / "new"
    for i, out in enumerate((old, new), start=1):
        assert main(["bench", "--corpus", str(root), "--systems", "anchor:lowpass-4k", "--shard", f"{i}/2",
                     "--out", str(out), "--no-visqol", "-q"]) == 0
    data = json.loads((old / "results.json").read_text())
    for r in data["rows"]:
        del r["fs_corr"]
    (old / "results.json").write_text(json.dumps(data))
    assert main(["bench", "--out", str(old), "--report-only", "-q"]) == 0
    assert _fs_corr_cell((old / "table.md").read_text(), "anchor:lowpass-4k") == "–"
    merged = tmp_path / "all"
    assert main(["bench", "--out", str(merged), "--report-only", "--merge", str(old), str(new), "-q"]) == 0
    rows = {r["clip"]: r for r in json.loads((merged / "results.json").read_text())["rows"]
            if r["system"] == "anchor:lowpass-4k"}
    assert rows["clip0"]["fs_corr"] is None and rows["clip1"]["fs_corr"] > 0.9
    assert float(_fs_corr_cell((merged / "table.md").read_text(), "anchor:lowpass-4k")) > 0.9
