#!/usr/bin/env python3
"""Cut the reproducible benchmark corpus from Debian packages into `corpus/` (git-ignored).

Sources (Debian): `wesnoth-1.16-music` (real recorded music, ogg) and `openttd-openmsx` (MIDI) rendered
with `fluidsynth` and `fluid-soundfont-gm`. Each clip is a fixed excerpt, downmixed to mono, resampled to
22050 Hz with soxr and written as 16-bit WAV. MIDI clips come with their note list as ground truth
(`<clip>.notes.json`: onset_s, pitch, duration_s, velocity, channel, program, is_drum). The track the
example clip comes from (traveling_minstrels) is excluded. `manifest.json` lists clips, their split
(`dev`: tune on these; `test`: held out for reported figures), sources and sha256; `SHA256SUMS` can be
checked with `sha256sum -c`.

Usage:
    python scripts/make_corpus.py [--out corpus] [--install] [--verify]

The packages are not installed by default: --install runs apt-get (as root, or through sudo) and fetches about
270 MB, ~300 MB once installed (the Wesnoth music 151 MB, the GM soundfont 145 MB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SAMPLE_RATE = 22050
CLIP_S = 24.0
WESNOTH_DIR = Path("/usr/share/games/wesnoth/1.16/data/core/music")
OPENMSX_DIR = Path("/usr/share/games/openttd/baseset/openmsx")
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
APT_PACKAGES = ("wesnoth-1.16-music", "openttd-openmsx", "fluidsynth", "fluid-soundfont-gm")
INSTALL_SIZE = "about 270 MB to download, ~300 MB installed"
EXCLUDED = ("traveling_minstrels",)  # examples/traveling_minstrels_8s.flac is cut from it
MIDI_PEAK = 0.9

# (clip name, source file, start_s, split). Fixed so every machine cuts the same corpus.
WESNOTH_CLIPS: tuple[tuple[str, str, float, str], ...] = (
    ("wes_frantic", "frantic.ogg", 40.0, "dev"),
    ("wes_journeys_end", "journeys_end.ogg", 60.0, "dev"),
    ("wes_battle", "battle.ogg", 60.0, "test"),
    ("wes_breaking_the_chains", "breaking_the_chains.ogg", 45.0, "test"),
    ("wes_elvish_theme", "elvish-theme.ogg", 45.0, "test"),
    ("wes_heroes_rite", "heroes_rite.ogg", 45.0, "test"),
    ("wes_knalgan_theme", "knalgan_theme.ogg", 60.0, "test"),
    ("wes_loyalists", "loyalists.ogg", 45.0, "test"),
    ("wes_northerners", "northerners.ogg", 45.0, "test"),
    ("wes_silvan_sanctuary", "silvan_sanctuary.ogg", 45.0, "test"),
    ("wes_the_city_falls", "the_city_falls.ogg", 45.0, "test"),
    ("wes_wanderer", "wanderer.ogg", 45.0, "test"),
)
MIDI_CLIPS: tuple[tuple[str, str, float, str], ...] = (
    ("midi_chemistry_lab", "chemistry_lab.mid", 10.0, "dev"),
    ("midi_boogi_marabi", "boogi_marabi_redfarn.mid", 10.0, "test"),
    ("midi_city_blues", "city_blues_redfarn.mid", 10.0, "test"),
    ("midi_harp_harmony", "harp_harmony.mid", 10.0, "test"),
    ("midi_wood_whistles", "wood_whistles.mid", 10.0, "test"),
    ("midi_flying_scotsman", "flying_scotsman.mid", 10.0, "test"),
    ("midi_modern_motion", "modern_motion.mid", 10.0, "test"),
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def missing_sources() -> list[str]:
    """Debian packages (or tools) this script needs that are not installed."""
    missing = []
    if not WESNOTH_DIR.is_dir():
        missing.append("wesnoth-1.16-music")
    if not OPENMSX_DIR.is_dir():
        missing.append("openttd-openmsx")
    if shutil.which("fluidsynth") is None:
        missing.append("fluidsynth")
    if not SOUNDFONT.is_file():
        missing.append("fluid-soundfont-gm")
    return missing


def install_packages(packages: list[str]) -> None:
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0:
        cmd = ["sudo", *cmd]
    print("running:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def to_mono_22k(audio: np.ndarray, rate_hz: int) -> np.ndarray:
    """(n,) or (n, channels) float -> mono float32 at 22050 Hz."""
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    if rate_hz != SAMPLE_RATE:
        mono = soxr.resample(mono, rate_hz, SAMPLE_RATE, quality="VHQ")
    return np.asarray(mono, dtype=np.float32)


def cut(audio: np.ndarray, start_s: float, clip_s: float = CLIP_S) -> np.ndarray:
    a, n = round(start_s * SAMPLE_RATE), round(clip_s * SAMPLE_RATE)
    if a + n > len(audio):
        raise SystemExit(f"source too short for a {clip_s} s clip at {start_s} s")
    return audio[a : a + n]


def write_wav(path: Path, audio: np.ndarray) -> None:
    tmp = path.with_suffix(".part.wav")
    sf.write(str(tmp), np.clip(audio, -1.0, 1.0), SAMPLE_RATE, subtype="PCM_16", format="WAV")
    os.replace(tmp, path)


def render_midi(mid: Path, workdir: Path) -> np.ndarray:
    """The whole MIDI file rendered by fluidsynth at 22050 Hz, mono, peak-normalised to MIDI_PEAK."""
    out = workdir / (mid.stem + ".wav")
    cmd = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(SAMPLE_RATE), "-F", str(out), str(SOUNDFONT), str(mid)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    audio, rate = sf.read(str(out), dtype="float32", always_2d=True)
    mono = to_mono_22k(audio, rate)
    return mono * (MIDI_PEAK / max(float(np.abs(mono).max()), 1e-9))


def midi_notes(mid: Path, start_s: float, clip_s: float = CLIP_S) -> list[dict[str, float | int | bool]]:
    """Notes starting in [start_s, start_s + clip_s), times relative to the clip start, sorted by onset."""
    import mido

    now_s = 0.0
    program = [0] * 16
    sounding: dict[tuple[int, int], tuple[float, int, int]] = {}
    notes: list[dict[str, float | int | bool]] = []

    def close(key: tuple[int, int], end_s: float) -> None:
        onset_s, velocity, prog = sounding.pop(key)
        if start_s <= onset_s < start_s + clip_s:
            notes.append({"onset_s": round(onset_s - start_s, 6), "pitch": key[1],
                          "duration_s": round(end_s - onset_s, 6), "velocity": velocity, "channel": key[0],
                          "program": prog, "is_drum": key[0] == 9})

    for msg in mido.MidiFile(str(mid)):
        now_s += msg.time
        if msg.type == "program_change":
            program[msg.channel] = msg.program
        elif msg.type in ("note_on", "note_off"):
            key = (msg.channel, msg.note)
            if key in sounding:
                close(key, now_s)
            if msg.type == "note_on" and msg.velocity > 0:
                sounding[key] = (now_s, msg.velocity, program[msg.channel])
    for key in list(sounding):
        close(key, now_s)
    notes.sort(key=lambda n: (n["onset_s"], n["pitch"]))
    return notes


def interleave(clips: list[dict[str, object]]) -> list[dict[str, object]]:
    """Dev clips first, then test clips alternating recording / MIDI render, so `--clips N` takes a mix."""
    out: list[dict[str, object]] = []
    for split in ("dev", "test"):
        rec = [c for c in clips if c["split"] == split and c["kind"] == "recording"]
        midi = [c for c in clips if c["split"] == split and c["kind"] != "recording"]
        for i in range(max(len(rec), len(midi))):
            out += rec[i : i + 1] + midi[i : i + 1]
    return out


def build(out: Path) -> dict[str, object]:
    out.mkdir(parents=True, exist_ok=True)
    clips: list[dict[str, object]] = []
    for name, src, start_s, split in WESNOTH_CLIPS:
        assert not any(x in src for x in EXCLUDED)
        path = WESNOTH_DIR / src
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
        write_wav(out / f"{name}.wav", cut(to_mono_22k(audio, rate), start_s))
        clips.append({"name": name, "file": f"{name}.wav", "split": split, "kind": "recording",
                      "source": str(path), "source_sha256": sha256(path), "start_s": start_s})
        print(f"cut {name}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        for name, src, start_s, split in MIDI_CLIPS:
            path = OPENMSX_DIR / src
            write_wav(out / f"{name}.wav", cut(render_midi(path, Path(tmp)), start_s))
            notes_file = out / f"{name}.notes.json"
            notes_file.write_text(json.dumps(midi_notes(path, start_s), indent=1) + "\n")
            clips.append({"name": name, "file": f"{name}.wav", "split": split, "kind": "midi_render",
                          "source": str(path), "source_sha256": sha256(path), "start_s": start_s,
                          "notes": notes_file.name, "soundfont": str(SOUNDFONT)})
            print(f"rendered {name}", file=sys.stderr)
    clips = interleave(clips)
    for clip in clips:
        clip["duration_s"] = CLIP_S
        clip["sha256"] = sha256(out / str(clip["file"]))
    fluid = subprocess.run(["fluidsynth", "--version"], capture_output=True, text=True).stdout.splitlines()
    manifest = {"version": 1, "sample_rate": SAMPLE_RATE, "clip_s": CLIP_S, "excluded": list(EXCLUDED),
                "packages": list(APT_PACKAGES), "fluidsynth": fluid[0] if fluid else "", "clips": clips}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    lines = [f"{c['sha256']}  {c['file']}" for c in clips]
    lines += [f"{sha256(out / str(c['notes']))}  {c['notes']}" for c in clips if "notes" in c]
    (out / "SHA256SUMS").write_text("\n".join(lines) + "\n")
    return manifest


def verify(out: Path) -> int:
    """0 when every file listed in SHA256SUMS matches, 1 otherwise (mismatches printed)."""
    bad = 0
    for line in (out / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ", 1)
        path = out / name
        if not path.is_file() or sha256(path) != digest:
            print(f"MISMATCH {name}", file=sys.stderr)
            bad += 1
    print(f"{'ok' if not bad else 'FAILED'}: {bad} mismatching file(s)", file=sys.stderr)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=Path("corpus"), help="output folder (default: corpus/)")
    p.add_argument("--install", action="store_true",
                   help=f"apt-get install the Debian packages if missing ({INSTALL_SIZE}; root or sudo)")
    p.add_argument("--verify", action="store_true", help="only check the files against SHA256SUMS")
    args = p.parse_args(argv)
    if args.verify:
        return verify(args.out)
    missing = missing_sources()
    if missing and args.install:
        install_packages(missing)
        missing = missing_sources()
    if missing:
        print(f"make_corpus: error: missing Debian packages: {' '.join(missing)}; rerun with --install to apt-get "
              f"them ({INSTALL_SIZE}; root or sudo), or install them yourself", file=sys.stderr)
        return 2
    manifest = build(args.out)
    clips = manifest["clips"]
    assert isinstance(clips, list)
    n_test = sum(c["split"] == "test" for c in clips)
    print(f"wrote {len(clips)} clips ({n_test} test, {len(clips) - n_test} dev) to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
