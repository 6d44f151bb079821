import torch

from eventcodec.model.config import ModelConfig
from eventcodec.model.encoder import Encoder

CFG = ModelConfig(n_samples=2**14, channels=8, dilations=(1, 2, 4), n_events=2)


def test_shapes_and_second_half_masked():
    torch.manual_seed(0)
    enc = Encoder(CFG)
    vectors, switch = enc(torch.rand(2, 1025, 64))
    assert vectors.shape == (2, 64, 32) and switch.shape == (2, 64)
    assert torch.all(vectors[:, 32:] == 0)
    assert torch.all(torch.isinf(switch[:, 32:])) and torch.all(torch.isfinite(switch[:, :32]))
    assert vectors.abs().max() <= 1


def test_anti_causal_output_at_t_ignores_frames_before_t():
    # paper's definition: output at frame t sees frames t .. t + receptive field - 1, never frames < t
    torch.manual_seed(0)
    enc = Encoder(CFG)
    x = torch.rand(1, 1025, 64)
    t = 20
    y = x.clone()
    y[..., :t] = torch.rand(1, 1025, t) * 5
    hx, hy = enc.features(x), enc.features(y)
    assert torch.allclose(hx[..., t:], hy[..., t:], atol=1e-6)
    assert not torch.allclose(hx[..., :t], hy[..., :t], atol=1e-3)


def test_depends_on_future_frames_within_receptive_field():
    torch.manual_seed(0)
    enc = Encoder(CFG)
    x = torch.rand(1, 1025, 64)
    y = x.clone()
    y[..., 10 + 7] += 3.0  # receptive field of dilations 1,2,4 is 8 frames: t .. t+7
    diff = (enc.features(x) - enc.features(y)).abs().amax(dim=1)[0]
    assert diff[10] > 1e-4
    assert torch.all(diff[:10] < 1e-6)
