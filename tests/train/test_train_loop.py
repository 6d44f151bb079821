import dataclasses
import json

import numpy as np
import soundfile as sf
import torch
from train_testkit import RENDER, SMALL, fixed_batch, tone_clips

from eventcodec.model.checkpoint import load_checkpoint
from eventcodec.model.model import EventModel
from eventcodec.train.data import SegmentSampler, find_audio_files
from eventcodec.train.ddp import DistInfo
from eventcodec.train.loop import objective, train


def _cfg(max_steps):
    return dataclasses.replace(SMALL, train=dataclasses.replace(SMALL.train, max_steps=max_steps))


def test_loss_decreases_when_overfitting_a_fixed_batch():
    torch.manual_seed(0)
    model = EventModel(SMALL.model, render=RENDER)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    audio, seeds = fixed_batch(2, SMALL.model.n_samples, SMALL.model.n_events)
    losses = []
    for _ in range(20):
        loss, _ = objective(SMALL.train, model(audio, seeds), audio)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    assert np.mean(losses[-3:]) < losses[0] - 0.02


def test_run_writes_log_samples_checkpoint_and_resumes(tmp_path):
    sampler = SegmentSampler(tone_clips(), SMALL.model.n_samples, seed=1)
    res = train(_cfg(2), sampler, tmp_path, quiet=True, render=RENDER, info=DistInfo())
    assert res.steps == 2 and (tmp_path / "loss.png").stat().st_size > 0
    assert sorted(p.name for p in (tmp_path / "samples").iterdir())[:1] == ["step000002_decoded.wav"]
    ck = load_checkpoint(res.checkpoint)
    assert ck.step == 2 and ck.hash == res.model_hash and ck.optimizer_state

    # resuming continues from step 2 with the saved optimizer and data RNG
    sampler2 = SegmentSampler(tone_clips(), SMALL.model.n_samples, seed=999)
    res2 = train(_cfg(4), sampler2, tmp_path, resume=True, quiet=True, render=RENDER, info=DistInfo())
    assert res2.steps == 4
    steps = [json.loads(x)["step"] for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4]


def test_resume_is_bit_exact(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    train(_cfg(4), SegmentSampler(tone_clips(), 2048, seed=5), a, quiet=True, render=RENDER, info=DistInfo())
    train(_cfg(2), SegmentSampler(tone_clips(), 2048, seed=5), b, quiet=True, render=RENDER, info=DistInfo())
    train(_cfg(4), SegmentSampler(tone_clips(), 2048, seed=0), b, resume=True, quiet=True, render=RENDER,
          info=DistInfo())
    wa, wb = load_checkpoint(a / "checkpoint").weights, load_checkpoint(b / "checkpoint").weights
    assert all(torch.equal(wa[k], wb[k]) for k in wa)


def test_finds_musicnet_layout_and_excludes(tmp_path):
    for name in ("train_data/1.wav", "train_data/2.wav", "test_data/3.wav"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        sf.write(tmp_path / name, np.zeros(100), 22050)
    assert [p.name for p in find_audio_files(tmp_path)] == ["1.wav", "2.wav"]
    assert [p.name for p in find_audio_files(tmp_path / "test_data")] == ["3.wav"]
    assert [p.name for p in find_audio_files(tmp_path, exclude=["1"])] == ["2.wav"]


def test_segments_are_peak_normalised():
    s = SegmentSampler(tone_clips(), 2048, seed=0).batch(3)
    assert s.shape == (3, 2048) and np.allclose(np.abs(s).max(axis=1), 1)


def test_non_finite_steps_are_skipped_not_applied(tmp_path):
    def broken(controls, n_samples, seeds):  # the real renderer plus 0 whose gradient is NaN
        return RENDER(controls, n_samples, seeds) + torch.sqrt(controls - controls).sum(-1, keepdim=True)

    torch.manual_seed(SMALL.train.seed)
    before = EventModel(SMALL.model).state_dict()
    res = train(_cfg(2), SegmentSampler(tone_clips(), 2048, seed=1), tmp_path, quiet=True, render=broken,
                info=DistInfo())
    rows = [json.loads(x) for x in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert rows[-1]["skipped"] == 2
    after = load_checkpoint(res.checkpoint).weights
    assert all(torch.equal(before[k], after[k]) for k in after)
