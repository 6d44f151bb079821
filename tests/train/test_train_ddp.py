import json
import os
import subprocess
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file
from train_testkit import RENDER, SMALL, fixed_batch

from eventcodec.model.model import EventModel
from eventcodec.train.loop import objective

HERE = Path(__file__).parent


def test_two_process_gloo_matches_single_process_gradient(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(HERE)}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(HERE / "ddp_worker.py"), str(tmp_path)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]

    torch.manual_seed(0)
    model = EventModel(SMALL.model, render=RENDER)
    audio, seeds = fixed_batch(4, SMALL.model.n_samples, SMALL.model.n_events)
    loss, _ = objective(SMALL.train, model(audio, seeds), audio)
    loss.backward()
    ddp_grads = load_file(tmp_path / "grads.safetensors")
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert set(grads) == set(ddp_grads)
    for name, g in grads.items():
        # same gradient up to float32 summation order
        assert torch.linalg.vector_norm(g - ddp_grads[name]) <= 1e-4 * torch.linalg.vector_norm(g) + 1e-9, name

    rows = [json.loads(x) for x in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]
    meta = json.loads((tmp_path / "run" / "checkpoint" / "checkpoint.json").read_text())
    assert meta["step"] == 2 and len(meta["extra"]["sampler_states"]) == 2
