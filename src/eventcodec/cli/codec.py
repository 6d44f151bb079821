"""`eventcodec encode | decode | demo`: audio <-> .evc through the codec API (no DSP here)."""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eventcodec.cli.files import format_info
from eventcodec.cli.outputs import add_overwrite, check_output, input_path, output_path, shown
from eventcodec.cli.threads import add_threads
from eventcodec.errors import AudioError, EventCodecError

if TYPE_CHECKING:
    pass


# how far back an event can start and still sound (hold 8 s + release 2 s + ring 20 s + body + room);
# the synthesizer's own worst case is used when it is longer
DEFAULT_CARRY_S = 34.0


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _number(text: str, allow_zero: bool) -> float:
    value = _float(text)
    if not (value > 0 or (allow_zero and value == 0)) or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a {'non-negative' if allow_zero else 'positive'} number, got {text}")
    return value


MAX_GAIN_DB = 200.0  # x 1e10: far past any use, and still finite in float32 (1e400 dB overflowed)


def _finite(text: str) -> float:
    value = _float(text)
    if not abs(value) <= MAX_GAIN_DB:
        raise argparse.ArgumentTypeError(f"must be a number of dB within +-{MAX_GAIN_DB:g}, got {text}")
    return value


def _positive(text: str) -> float:
    return _number(text, allow_zero=False)


def _non_negative(text: str) -> float:
    return _number(text, allow_zero=True)


def _say(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(text, file=sys.stderr)


def encode_to_file(source: Path, output: Path, args: argparse.Namespace, label: str | None = None) -> None:
    """Encode audio file `source` to .evc `output` (named `label` in messages) with the options in `args`."""
    from eventcodec.audio import iter_blocks
    from eventcodec.codec import encode_file
    from eventcodec.encode import EncodeOptions, available
    from eventcodec.fileio import require_file, write_bytes_atomic
    from eventcodec.format import encode_evc

    require_file(source, AudioError)
    check_output(output, source, overwrite=getattr(args, "overwrite", False))
    blocks = iter_blocks(source)  # a cheap probe: unreadable or empty audio fails here, before any encoder runs
    try:
        if next(blocks, None) is None:
            raise AudioError(f"no audio samples in {source.name}")
    finally:
        blocks.close()
    names = available()
    if not names:
        raise EventCodecError("no encoder is installed")
    encoder = args.encoder or ("abs" if "abs" in names else names[0])
    options = EncodeOptions(quality=args.quality, events_per_second=args.events_per_second,
                            bitrate_kbps=args.bitrate_kbps, checkpoint=getattr(args, "checkpoint", None),
                            texture=not getattr(args, "no_texture", False),
                            notes=not getattr(args, "no_notes", False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        events = encode_file(source, encoder, options, progress=not args.quiet)
    for w in caught:
        print(f"eventcodec: warning: {w.message}", file=sys.stderr)
    data = encode_evc(events, bits=args.bits)
    write_bytes_atomic(output, data)
    seconds = events.duration_s or 1.0
    _say(args, f"wrote {label or output}: {len(events)} events, {len(data)} bytes, "
         f"{len(data) * 8 / seconds / 1000:.2f} kbps")


def carry_samples(sample_rate: int) -> int:
    """Samples before a decode range whose events may still sound in it (the longest possible event)."""
    bound = int(DEFAULT_CARRY_S * sample_rate)
    try:
        import numpy as np

        from eventcodec.controls import INDEX
        from eventcodec.synth import audible_length
    except ImportError:
        return bound
    worst = np.ones((8, 32))  # every length-setting control at its maximum, each room
    worst[:, INDEX["room_id"]] = np.linspace(0.0, 1.0, 8)
    return max(bound, int(np.max(audible_length(worst, sample_rate))))


def decode_to_file(source: Path, output: Path, args: argparse.Namespace, label: str | None = None) -> None:
    """Render .evc `source` (or the range --start/--duration) to a .wav or .flac `output` (named `label` in
    messages), block by block.

    16-bit unless --float; --gain-db scales; a look-ahead limiter keeps peaks under the input's (as the
    encoder recorded it, plus --gain-db), or under -0.1 dBFS with --limit, or nowhere with --no-limit;
    samples that would still pass full scale in a 16-bit file are clipped with a warning (the peak is
    always reported).
    """
    import numpy as np

    from eventcodec.audio import save_wav_blocks
    from eventcodec.codec import decode_blocks
    from eventcodec.format import evc_info, read_evc

    check_output(output, source, overwrite=getattr(args, "overwrite", False))
    info = evc_info(source)
    rate, total = int(info["sample_rate"]), int(info["n_samples"])
    start = round(getattr(args, "start", 0.0) * rate)
    if start >= total and total > 0:
        raise EventCodecError(f"--start {args.start} s is past the end ({info['duration_s']:.3f} s)")
    duration = getattr(args, "duration", None)
    n_samples = total - start if duration is None else min(round(duration * rate), total - start)
    if duration is not None and n_samples < round(duration * rate):
        print(f"eventcodec: warning: the file ends at {info['duration_s']:.3f} s: writing {n_samples / rate:.3f} s, "
              f"not the {duration:g} s asked from {args.start:g} s", file=sys.stderr)
    events = read_evc(source, start, start + n_samples, carry_samples(rate))
    blocks = decode_blocks(events, start_sample=start, n_samples=n_samples, progress=not args.quiet,
                           texture=not getattr(args, "no_texture", False),
                           texture_gain_db=getattr(args, "texture_gain_db", None) or 0.0)
    gain_db = getattr(args, "gain_db", 0.0)
    if gain_db:
        blocks = (b * np.float32(10.0 ** (gain_db / 20.0)) for b in blocks)
    limiter = None
    ceiling_db = _ceiling_db(args, events.meta, gain_db)
    if ceiling_db is not None:
        from eventcodec.limiter import Limiter, limited_blocks

        limiter = Limiter(ceiling_db, sample_rate=rate)
        blocks = limited_blocks(blocks, limiter)
    try:
        written = save_wav_blocks(output, blocks, rate, float32=getattr(args, "float", False))
    except ModuleNotFoundError as e:
        if e.name and e.name.startswith("eventcodec"):
            raise EventCodecError("the synthesizer is not installed in this build") from None
        raise
    peak = f"peak {_dbfs(written.peak)} dBFS"
    if limiter is not None:
        peak += f", {limiter.limited} samples limited"
    _say(args, f"wrote {label or output}: {n_samples / rate:.3f} s from {len(events)} events, {peak}")
    if written.clipped:
        print(f"eventcodec: warning: {written.clipped} samples ({100 * written.clipped / written.n_samples:.3g}%) "
              f"passed full scale and were clipped (peak {_dbfs(written.peak)} dBFS); decode with --limit, "
              f"--gain-db {gain_db - 20 * math.log10(written.peak) - 0.1:.1f} or --float", file=sys.stderr)


def _ceiling_db(args: argparse.Namespace, meta: dict[str, Any], gain_db: float) -> float | None:
    """The limiter's ceiling: --limit's full scale, none with --no-limit, else the input's recorded peak."""
    from eventcodec.limiter import CEILING_DB, input_ceiling_db

    if getattr(args, "no_limit", False):
        return None
    if getattr(args, "limit", False):
        return CEILING_DB
    return input_ceiling_db(meta, gain_db, float32=getattr(args, "float", False))


def _dbfs(peak: float) -> str:
    return f"{20 * math.log10(peak):+.1f}" if peak > 0 else "-inf"


def _encode(args: argparse.Namespace) -> int:
    check_output(args.output, args.input, overwrite=args.overwrite, suffixes=(".evc",), writer="encode")
    with input_path(args.input) as source, output_path(args.output, ".evc") as output:
        encode_to_file(source, output, args, shown(args.output))
    return 0


def _decode(args: argparse.Namespace) -> int:
    if args.no_texture and args.texture_gain_db is not None:
        raise EventCodecError("--texture-gain-db sets the level of the texture that --no-texture leaves out: "
                              "give one or the other")
    check_output(args.output, args.input, overwrite=args.overwrite, suffixes=(".wav", ".flac"), writer="decode")
    with input_path(args.input, ".evc") as source, output_path(args.output, ".wav") as output:
        decode_to_file(source, output, args, shown(args.output))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from eventcodec.audio import example_path, load, save_wav
    from eventcodec.fileio import write_bytes_atomic
    from eventcodec.format import evc_info

    out = Path(args.out)
    args = argparse.Namespace(**{**vars(args), "overwrite": True})  # the demo replaces its own files
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise EventCodecError(f"cannot create {out}: {e.strerror}") from None
    clip = example_path()
    stem = clip.stem
    evc, decoded, original, info_txt = (out / f"{stem}.evc", out / f"{stem}_decoded.wav",
                                        out / f"{stem}_original.wav", out / "info.txt")
    encode_to_file(clip, evc, args)
    decode_to_file(evc, decoded, argparse.Namespace(start=0.0, duration=None, quiet=args.quiet, overwrite=True))
    audio, _ = load(clip)
    save_wav(original, audio)
    text = format_info(evc_info(evc), evc.name)
    write_bytes_atomic(info_txt, (text + "\n").encode())
    print(text)
    print(f"\nfiles in {out}/:\n  {evc.name}  (the events)\n  {decoded.name}  (decoded audio)\n"
          f"  {original.name}  (the input, for comparison)\n  {info_txt.name}  (the summary above)")
    return 0


def _add_encode_options(p: argparse.ArgumentParser) -> None:
    from eventcodec.encode import available

    names = available()
    p.add_argument("--encoder", choices=names or None, default=None,
                   help=f"which encoder (default: abs when installed); available: {', '.join(names) or 'none'}")
    p.add_argument("--quality", choices=("fast", "default", "best"), default="default",
                   help="speed/quality preset of the search (abs encoder): fast = up to 12 events/s, fewer "
                   "candidates, faster than real time; default = up to 16 events/s; best = up to 24 events/s, each "
                   "event refined (slowest). Default: default")
    p.add_argument("--events-per-second", type=_positive, default=None, metavar="X",
                   help="cap on the event rate (default: the preset's)")
    p.add_argument("--bitrate-kbps", type=_positive, default=None, metavar="X",
                   help="target bitrate, texture included (default: none; the rate follows the music, typically "
                   "1-4 kbps, ~1 kbps of it texture; `eventcodec info` tells what a file took)")
    p.add_argument("--checkpoint", default=None, metavar="PATH|HASH", help="trained model (learned encoder)")
    p.add_argument("--bits", type=int, default=None, choices=range(0, 17), metavar="0..16",
                   help="bits per stored value (default 8; f0_hz 12)")
    p.add_argument("--no-texture", action="store_true",
                   help="store events only, no noise texture (abs encoder; the texture takes ~1 kbps)")
    p.add_argument("--no-notes", action="store_true",
                   help="skip the note stage (one event per tracked note) and run the pursuit alone (abs encoder)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")
    add_threads(p)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("encode", help="audio file -> .evc", description="Encode audio (wav/flac/ogg/mp3/opus, "
                       "anything ffmpeg reads) into events. `-` reads the audio from stdin or writes the .evc to "
                       "stdout (messages go to stderr).")
    p.add_argument("input", help="audio file, or - for stdin")
    p.add_argument("output", help=".evc file to write, or - for stdout")
    _add_encode_options(p)
    add_overwrite(p)
    p.set_defaults(func=_encode)

    p = sub.add_parser("decode", help=".evc -> wav/flac", description="Render events to a 16-bit .wav or "
                       ".flac, never louder than the input's peak (a look-ahead limiter holds the peak the "
                       "encoder recorded; see --limit, --no-limit); with --start/--duration only the chunks that "
                       "sound in that range are read. `-` reads the .evc from stdin or writes WAV to stdout "
                       "(messages go to stderr).")
    p.add_argument("input", help=".evc file, or - for stdin")
    p.add_argument("output", help="audio file to write: .wav or .flac, or - for WAV on stdout")
    p.add_argument("--start", type=_non_negative, default=0.0, metavar="S", help="start time in seconds")
    p.add_argument("--duration", type=_positive, default=None, metavar="D", help="seconds to render")
    p.add_argument("--no-texture", action="store_true", help="render the events alone, without the noise texture")
    p.add_argument("--texture-gain-db", type=_finite, default=None, metavar="DB",
                   help="level of the noise texture re what the encoder measured (default 0)")
    p.add_argument("--gain-db", type=_finite, default=0.0, metavar="DB", help="output gain (default 0)")
    peak = p.add_mutually_exclusive_group()
    peak.add_argument("--limit", action="store_true",
                      help="limit peaks to -0.1 dBFS instead of the input's peak (for levels raised by edits)")
    peak.add_argument("--no-limit", action="store_true",
                      help="no limiter: peaks may pass the input's (a 16-bit file clips over full scale)")
    p.add_argument("--float", action="store_true", help="write 32-bit float samples (nothing is clipped)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summary")
    add_overwrite(p)
    add_threads(p)
    p.set_defaults(func=_decode)

    p = sub.add_parser("demo", help="encode + decode the shipped example", description="Encode and decode the "
                       "example clip into a folder: the .evc, decoded and original wavs, and the info text. A second "
                       "run replaces these four files (and nothing else in the folder).")
    p.add_argument("--out", default="out/demo", help="folder for the results (default out/demo)")
    _add_encode_options(p)
    p.set_defaults(func=_demo)
