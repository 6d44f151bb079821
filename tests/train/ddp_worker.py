"""Run by tests/train/test_train_ddp.py under torchrun: one DDP gradient on a fixed batch, then 2 steps."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from safetensors.torch import save_file
from train_testkit import RENDER, SMALL, fixed_batch, tone_clips

from eventcodec.model.model import EventModel
from eventcodec.train.data import SegmentSampler
from eventcodec.train.ddp import init_distributed
from eventcodec.train.loop import objective, train


def main(out: Path) -> None:
    torch.set_num_threads(1)
    info = init_distributed()
    cfg = SMALL
    torch.manual_seed(0)
    model = EventModel(cfg.model, render=RENDER)
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    audio, seeds = fixed_batch(2 * info.world_size, cfg.model.n_samples, cfg.model.n_events)
    mine = slice(2 * info.rank, 2 * info.rank + 2)
    loss, _ = objective(cfg.train, ddp(audio[mine], seeds[mine]), audio[mine])
    loss.backward()
    if info.is_main:
        save_file({n: p.grad.contiguous() for n, p in model.named_parameters() if p.grad is not None},
                  str(out / "grads.safetensors"))
    sampler = SegmentSampler(tone_clips(), cfg.model.n_samples, seed=[0, info.rank])
    train(cfg.__class__(name="test", model=cfg.model, train=cfg.train.__class__(**{**cfg.train.__dict__,
          "max_steps": 2})), sampler, out / "run", quiet=True, render=RENDER, info=info)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
