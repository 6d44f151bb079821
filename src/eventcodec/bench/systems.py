"""The systems the benchmark compares: how each one encodes and decodes a clip, as external commands.

Every codec runs as two processes (encode, then decode) so that time and peak memory are measured per
process; eventcodec runs through its own CLI (`eventcodec encode/decode`), i.e. the path a user takes:
`codec.encode_file` -> `EventSet.to_bytes()` -> file -> `from_bytes` -> `codec.decode`. Anchors are not
codecs: they are reference signals (the clip low-passed at 4 kHz, a different clip, the clip's envelope as
noise) that show what each metric can and cannot tell apart.
"""

from __future__ import annotations

import fnmatch
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from eventcodec.errors import EventCodecError

EVENTCODEC_KBPS: tuple[float, ...] = (1.5, 3.0, 6.0)
EVENTCODEC_QUALITIES: tuple[str, ...] = ("fast", "default", "best")
OPUS_KBPS: tuple[int, ...] = (6, 12, 24)
OPUS_RATE_HZ = 24000
MP3_KBPS: tuple[int, ...] = (8, 16)
GABOR_KBPS: tuple[float, ...] = (1.5, 3.0, 6.0)
ANCHORS: tuple[str, ...] = ("anchor:lowpass-4k", "anchor:wrong-clip", "anchor:noise-vocoder",
                             "anchor:noise-vocoder-masked")
EVENTS_ONLY_SUFFIX = "-events"  # family suffix of the abs systems encoded with --no-texture
# BLAS threads only fight each other on a shared machine; every measured process gets one.
PROCESS_ENV: dict[str, str] = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Commands:
    """How to run one system on one clip.

    Attributes:
        input_path: the wav the encoder reads (written by the harness at `input_rate_hz`).
        encode: encoder command line.
        compressed_path: the file whose size is the bitrate.
        decode: decoder command line.
        decoded_path: the wav the decoder writes.
    """

    input_path: Path
    encode: list[str]
    compressed_path: Path
    decode: list[str]
    decoded_path: Path


@dataclass(frozen=True)
class System:
    """One row of the table.

    Attributes:
        name: unique label, e.g. `opus@12k`, `eventcodec-abs-fast@3k`, `eventcodec-abs-fast-events@3k`,
            `anchor:wrong-clip`.
        family: curve of the plot this system belongs to (`opus`, `eventcodec-abs-fast`, `anchor`, ...).
        target_kbps: the asked-for bitrate (None for presets without one and for anchors).
        input_rate_hz: sample rate the encoder is fed.
        tool: the external program it needs (checked before running), "" for in-project tools.
        params: system-specific settings (encoder name, quality, `texture` "off" for events only...).
    """

    name: str
    family: str
    target_kbps: float | None
    input_rate_hz: int = 22050
    tool: str = ""
    params: tuple[tuple[str, str], ...] = ()

    @property
    def is_anchor(self) -> bool:
        return self.family == "anchor"

    def missing_tool(self) -> str | None:
        """The name of a required program that is not on PATH, else None."""
        if self.tool and shutil.which(self.tool) is None:
            return self.tool
        return None

    def commands(self, clip_wav: Path, work: Path) -> Commands:
        """Command lines for this system on `clip_wav` (at `input_rate_hz`), files kept in `work`."""
        p = dict(self.params)
        py = [sys.executable, "-m"]
        if self.family.startswith("eventcodec"):
            enc, dec = work / "out.evc", work / "decoded.wav"
            opts = ["--encoder", p["encoder"], "--quality", p["quality"]]
            if self.target_kbps is not None:
                opts += ["--bitrate-kbps", f"{self.target_kbps:g}"]
            if p.get("texture") == "off":
                opts.append("--no-texture")
            if p.get("notes") == "off":
                opts.append("--no-notes")
            return Commands(clip_wav, [*py, "eventcodec.cli.main", "encode", str(clip_wav), str(enc), *opts, "-q",
                                       "-y"],  # the benchmark owns its work folder (kept with --keep-audio)
                            enc, [*py, "eventcodec.cli.main", "decode", str(enc), str(dec), "-q", "-y"], dec)
        if self.family == "gabor-mp":
            enc, dec = work / "out.gab", work / "decoded.wav"
            tool = [*py, "eventcodec.bench.gabor_tool"]
            return Commands(clip_wav, [*tool, "encode", str(clip_wav), str(enc), "--bitrate-kbps",
                                       f"{self.target_kbps:g}"], enc, [*tool, "decode", str(enc), str(dec)], dec)
        if self.family == "opus":
            enc, dec = work / "out.opus", work / "decoded.wav"
            return Commands(clip_wav, ["opusenc", "--quiet", "--bitrate", p["kbps"], str(clip_wav), str(enc)], enc,
                            ["opusdec", "--quiet", "--rate", str(OPUS_RATE_HZ), str(enc), str(dec)], dec)
        if self.family == "mp3":
            enc, dec = work / "out.mp3", work / "decoded.wav"
            return Commands(clip_wav, ["lame", "--quiet", "-m", "m", "-b", p["kbps"], str(clip_wav), str(enc)], enc,
                            ["lame", "--quiet", "--decode", str(enc), str(dec)], dec)
        if self.family == "vorbis":
            enc, dec = work / "out.ogg", work / "decoded.wav"
            return Commands(clip_wav, ["oggenc", "-Q", *p["flags"].split(), "-o", str(enc), str(clip_wav)], enc,
                            ["oggdec", "-Q", "-o", str(dec), str(enc)], dec)
        raise EventCodecError(f"system {self.name} has no commands (anchors are computed, not run)")


def eventcodec_systems(encoders: list[str]) -> list[System]:
    """Each encoder x quality preset x bitrate; the learned encoder has a single preset.

    The abs encoder also runs events only (`--no-texture`, family `eventcodec-abs-<quality>-events`): what
    the events carry without the noise texture, at the same bitrate targets; and events only without the note
    stage (`--no-notes`, family `eventcodec-abs-<quality>-pursuit-events`), what the pursuit alone gives.
    """
    out = []
    for enc in encoders:
        qualities = EVENTCODEC_QUALITIES if enc == "abs" else ("default",)
        for q in qualities:
            variants = [("", ())] + ([(EVENTS_ONLY_SUFFIX, (("texture", "off"),)),
                                      ("-pursuit" + EVENTS_ONLY_SUFFIX, (("texture", "off"), ("notes", "off")))]
                                     if enc == "abs" else [])
            for suffix, extra in variants:
                family = f"eventcodec-{enc}-{q}{suffix}"
                out += [System(f"{family}@{kbps:g}k", family, kbps, params=(("encoder", enc), ("quality", q), *extra))
                        for kbps in EVENTCODEC_KBPS]
    return out


def baseline_systems() -> list[System]:
    out = [System(f"opus@{k}k", "opus", float(k), OPUS_RATE_HZ, "opusenc", (("kbps", str(k)),)) for k in OPUS_KBPS]
    out += [System(f"mp3@{k}k", "mp3", float(k), tool="lame", params=(("kbps", str(k)),)) for k in MP3_KBPS]
    out += [System("vorbis@16k-managed", "vorbis", 16.0, tool="oggenc", params=(("flags", "--managed -b 16"),)),
            System("vorbis@q-1", "vorbis", None, tool="oggenc", params=(("flags", "-q -1"),))]
    out += [System(f"gabor-mp@{k:g}k", "gabor-mp", k) for k in GABOR_KBPS]
    return out


def anchor_systems() -> list[System]:
    return [System(name, "anchor", None) for name in ANCHORS]


def all_systems() -> list[System]:
    """Every system this installation can run (eventcodec encoders from the registry)."""
    from eventcodec.encode import available

    return [*eventcodec_systems(available()), *baseline_systems(), *anchor_systems()]


def select_systems(patterns: list[str] | None, systems: list[System] | None = None) -> list[System]:
    """Systems whose name matches any shell pattern (`opus*`, `eventcodec-abs-fast@*`); anchors always kept.

    Raises:
        EventCodecError: a pattern matches no system.
    """
    systems = all_systems() if systems is None else systems
    if not patterns:
        return systems
    chosen = []
    for pat in patterns:
        hits = [s for s in systems if fnmatch.fnmatchcase(s.name, pat)]
        if not hits:
            raise EventCodecError(f"--systems {pat!r} matches no system; known: {', '.join(s.name for s in systems)}")
        chosen += [s for s in hits if s not in chosen]
    chosen += [s for s in systems if s.is_anchor and s not in chosen]
    return chosen
