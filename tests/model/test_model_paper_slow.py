import dataclasses

import pytest
import torch

from eventcodec.model.config import load_config
from eventcodec.model.model import EventModel
from eventcodec.train.loop import objective


@pytest.mark.slow
def test_paper_config_trains_one_step_at_full_window():
    cfg = load_config("paper")
    cfg = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, n_events=2))  # 2 of the 32 steps
    torch.manual_seed(0)
    model = EventModel(cfg.model)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.train.learning_rate)
    audio = torch.randn(1, 2**17) * 0.1
    out = model(audio, torch.zeros(1, 2, dtype=torch.int64))
    assert out.target_spec.shape == (1, 1025, 512) and out.event_specs.shape == (1, 2, 1025, 512)
    assert torch.all(out.frames < 256)
    loss, _ = objective(cfg.train, out, audio)
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)
