"""The training loop, top to bottom (nanoGPT style). Runs alone or under torchrun (DDP).

    eventcodec train --config tiny --data DIR --out runs/tiny
    torchrun --nproc_per_node 2 -m eventcodec.cli.main train --config tiny --data DIR --out runs/tiny

Rank 0 writes `log.jsonl`, `loss.png`, `samples/*.wav` and the checkpoint folder `checkpoint/`
(resumable: weights, Adam state, step, torch and data RNG states). Each rank draws its own data.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from eventcodec.model.checkpoint import load_checkpoint, save_checkpoint
from eventcodec.model.config import Config, TrainConfig
from eventcodec.model.loss import frame_weights, iterative_loss, sparsity_penalty
from eventcodec.model.model import Decomposition, EventModel, RenderFn, synth_render
from eventcodec.spectral import mrstft_distance
from eventcodec.train.data import SegmentSampler
from eventcodec.train.ddp import DistInfo, init_distributed, mean_across, shutdown


def objective(cfg: TrainConfig, out: Decomposition, audio: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
    """The training loss (batch mean) and its parts for the log."""
    weights = frame_weights(out.target_spec.shape[-1], cfg.ramp_power, audio.device)
    loss = iterative_loss(out.target_spec, out.event_specs, weights, cfg.loss_kind)
    parts = {"loss_iterative": float(loss.detach())}
    if cfg.mrstft_weight > 0:
        mr = mrstft_distance(out.event_audio.sum(dim=1), audio).mean()
        parts["loss_mrstft"] = float(mr.detach())
        loss = loss + cfg.mrstft_weight * mr
    if cfg.sparsity_weight > 0:
        sp = sparsity_penalty(out.target_spec, out.event_specs, weights)
        parts["loss_sparsity"] = float(sp.detach())
        loss = loss + cfg.sparsity_weight * sp
    return loss, parts


@dataclass(frozen=True)
class RunResult:
    """What a run left behind."""

    steps: int
    final_loss: float
    checkpoint: Path
    model_hash: str


def train(
    config: Config,
    sampler: SegmentSampler,
    out_dir: str | Path,
    resume: bool = False,
    quiet: bool = False,
    render: RenderFn = synth_render,
    info: DistInfo | None = None,
) -> RunResult:
    """Train `config` on segments from `sampler`, writing everything under `out_dir` (rank 0)."""
    tc = config.train
    info = info or init_distributed()
    if tc.threads > 0:
        torch.set_num_threads(tc.threads)
    out = Path(out_dir)
    ckpt_dir = out / "checkpoint"
    if info.is_main:
        (out / "samples").mkdir(parents=True, exist_ok=True)

    # model and optimizer; the same seed on every rank gives identical initial weights
    torch.manual_seed(tc.seed)
    model = EventModel(config.model, render=render).to(info.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=tc.learning_rate)
    step = 0
    if resume and (ckpt_dir / "checkpoint.json").is_file():
        ckpt = load_checkpoint(ckpt_dir)
        model.load_state_dict(ckpt.weights)
        if ckpt.optimizer_state:
            optimizer.load_state_dict(ckpt.optimizer_state)
        if ckpt.torch_rng is not None:
            torch.set_rng_state(ckpt.torch_rng)
        step = ckpt.step
        sampler_states = ckpt.extra.get("sampler_states", [])
        if info.rank < len(sampler_states):
            sampler.set_state(sampler_states[info.rank])
    ddp: torch.nn.Module = model
    if info.distributed:
        ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[info.device] if info.device.type == "cuda"
                                                        else None)

    def save(final_loss: float) -> str:
        states = [sampler.state()]
        if info.distributed:
            gathered: list[object] = [None] * info.world_size
            torch.distributed.all_gather_object(gathered, sampler.state())
            states = [s for s in gathered if isinstance(s, dict)]
        if not info.is_main:
            return ""
        return save_checkpoint(ckpt_dir, config, model.state_dict(), step, optimizer.state_dict(),
                               extra={"sampler_states": states, "loss": final_loss})

    log_path = out / "log.jsonl"
    t0 = time.monotonic()
    bar = tqdm(total=tc.max_steps or None, initial=step, desc="train", unit="step", disable=quiet or not info.is_main)
    loss_value = float("nan")
    skipped = 0
    while True:
        audio = torch.from_numpy(sampler.batch(tc.batch_size)).to(info.device)
        seeds = torch.from_numpy(sampler.rng.integers(0, 2**31, (tc.batch_size, config.model.n_events)))
        decomposition = ddp(audio, seeds)
        loss, parts = objective(tc, decomposition, audio)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        # gradients are already averaged across ranks here, so every rank takes the same decision
        grad_norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip or float("inf")))
        if np.isfinite(grad_norm) and np.isfinite(float(loss.detach())):
            optimizer.step()
        else:
            skipped += 1
        step += 1
        elapsed_min = (time.monotonic() - t0) / 60
        out_of_time = bool(tc.max_minutes and elapsed_min >= tc.max_minutes)
        # one all-reduce: the mean loss, and whether any rank ran out of time (all ranks stop together)
        loss_value, any_out_of_time = mean_across([float(loss.detach()), float(out_of_time)], info)
        done = bool(tc.max_steps and step >= tc.max_steps) or any_out_of_time > 0
        bar.update(1)
        bar.set_postfix(loss=f"{loss_value:.4f}")

        if info.is_main and (step % tc.log_every == 0 or done):
            row = {"step": step, "loss": loss_value, **parts, "grad_norm": grad_norm, "skipped": skipped,
                   "minutes": round(elapsed_min, 3)}
            with open(log_path, "a") as f:
                f.write(json.dumps(row) + "\n")
        if info.is_main and tc.sample_every and (step % tc.sample_every == 0 or done):
            write_samples(out / "samples", step, audio[0], decomposition.event_audio[0].sum(dim=0))
        if step % tc.checkpoint_every == 0 or done:
            digest = save(loss_value)
            if info.is_main and log_path.is_file():
                from eventcodec.train.plot import plot_log

                plot_log(log_path, out / "loss.png")
        if done:
            break
    bar.close()
    shutdown(info)
    return RunResult(steps=step, final_loss=loss_value, checkpoint=ckpt_dir, model_hash=digest)


def write_samples(folder: Path, step: int, reference: torch.Tensor, decoded: torch.Tensor) -> None:
    """Write the input window and its reconstruction as wav files."""
    from eventcodec.audio import save_wav

    save_wav(folder / f"step{step:06d}_input.wav", reference.detach().cpu().numpy())
    rec = decoded.detach().cpu().numpy()
    save_wav(folder / f"step{step:06d}_decoded.wav", rec / max(1.0, float(np.abs(rec).max())))
