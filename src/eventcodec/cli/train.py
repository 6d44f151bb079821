"""`eventcodec train`: train the learned model (alone or under torchrun); `--params` prints its size."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from eventcodec.cli.threads import add_threads


def register(sub: Any) -> None:
    p = sub.add_parser("train", help="train the learned encoder/decoder on a folder of audio",
                       description="Train the paper's learned model on random segments of a folder of audio "
                       "(MusicNet's train_data/*.wav layout or any audio files). Run under torchrun for DDP.")
    p.add_argument("--config", default="tiny", help="preset name (tiny, paper) or a .toml file (default tiny)")
    p.add_argument("--data", type=Path, help="folder of audio files")
    p.add_argument("--out", type=Path, default=Path("runs/train"),
                   help="run folder (log, samples, checkpoint); one that holds a run needs --resume")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint")
    p.add_argument("--max-steps", type=int, help="stop after this many steps")
    p.add_argument("--max-minutes", type=float, help="stop after this many minutes")
    p.add_argument("--batch-size", type=int, help="examples per process per step")
    p.add_argument("--lr", type=float, help="Adam learning rate")
    p.add_argument("--seed", type=int, help="seed for weights, data and noise")
    p.add_argument("--exclude", action="append", default=[], metavar="TEXT",
                   help="skip files whose name contains TEXT (repeatable)")
    p.add_argument("--export", type=Path, metavar="DIR",
                   help="after training, copy the weights (no optimizer state) to DIR/<hash>/")
    p.add_argument("--params", action="store_true", help="print the parameter count by module and exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    add_threads(p, "torch, BLAS and OpenMP threads per process (default: the config's train.threads, else "
                "$OMP_NUM_THREADS, else all cores this process may use)")
    p.set_defaults(func=run)


def _overrides(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    train: dict[str, Any] = {}
    for key, value in (("max_steps", args.max_steps), ("max_minutes", args.max_minutes),
                       ("batch_size", args.batch_size), ("learning_rate", args.lr), ("seed", args.seed),
                       ("threads", getattr(args, "threads", None))):
        if value is not None:
            train[key] = value
    return {"train": train}


def check_out(out: Path, resume: bool) -> None:
    """Refuse to start a new run in a folder that holds one (its log and checkpoint would be clobbered).

    Raises:
        EventCodecError: `out` has a checkpoint or a log and `resume` is False.
    """
    from eventcodec.errors import EventCodecError

    if not resume and ((out / "checkpoint").exists() or (out / "log.jsonl").exists()):
        raise EventCodecError(f"{out} already holds a training run: pass --resume to continue it, or another --out")


def run(args: argparse.Namespace) -> int:
    from eventcodec.errors import EventCodecError
    from eventcodec.model.config import load_config

    config = load_config(args.config, _overrides(args))
    if args.params:
        from eventcodec.model.count import parameter_table

        print(parameter_table(config))
        return 0
    if args.data is None:
        raise EventCodecError("--data DIR is required to train")
    check_out(args.out, args.resume)
    import torch

    from eventcodec.model.checkpoint import export_model
    from eventcodec.train.data import SegmentSampler
    from eventcodec.train.ddp import init_distributed
    from eventcodec.train.loop import train

    info = init_distributed()
    if config.train.threads > 0:
        torch.set_num_threads(config.train.threads)
    sampler = SegmentSampler.from_folder(args.data, config.model.n_samples, seed=[config.train.seed, info.rank],
                                         exclude=args.exclude, quiet=args.quiet or not info.is_main)
    result = train(config, sampler, args.out, resume=args.resume, quiet=args.quiet, info=info)
    if info.is_main:
        print(f"trained {result.steps} steps, loss {result.final_loss:.4f}, model {result.model_hash}, "
              f"checkpoint {result.checkpoint}", file=sys.stderr)
        if args.export:
            print(f"exported to {export_model(result.checkpoint, args.export)}", file=sys.stderr)
    return 0
