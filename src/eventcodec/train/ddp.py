"""Distributed data parallel set-up: the same code runs alone, under `torchrun`, on CPU or GPU.

`torchrun` sets RANK/WORLD_SIZE/LOCAL_RANK/MASTER_ADDR; we pick nccl when CUDA is present and
gloo otherwise, so nothing changes between a laptop, a multi-GPU box and several nodes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    """Where this process sits: rank 0 logs and writes checkpoints."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def init_distributed() -> DistInfo:
    """Join the process group when launched by torchrun (WORLD_SIZE > 1); otherwise a single process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available()
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
    if world <= 1:
        return DistInfo(device=device)
    if cuda:
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if cuda else "gloo")
    return DistInfo(rank=dist.get_rank(), world_size=dist.get_world_size(), local_rank=local, device=device)


def mean_across(values: list[float], info: DistInfo) -> list[float]:
    """Average scalars over all processes in one all-reduce (identity when alone)."""
    if not info.distributed:
        return list(values)
    t = torch.tensor(values, dtype=torch.float64, device=info.device)
    dist.all_reduce(t)
    return [float(v) / info.world_size for v in t.tolist()]


def shutdown(info: DistInfo) -> None:
    """Leave the process group (no-op when alone)."""
    if info.distributed and dist.is_initialized():
        dist.destroy_process_group()
