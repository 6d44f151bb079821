import torch

from eventcodec.controls import INDEX
from eventcodec.model.model import synth_render


def test_render_gradient_is_finite_at_large_fine_shifts():
    # training hit NaN gradients once a head pushed shift_samples past ~88 samples (exp overflow in a torch.where)
    c = torch.full((1, 1, 32), 0.3)
    c[..., INDEX["shift_samples"]] = 0.99
    c[..., INDEX["n_partials"]] = 0.0
    c.requires_grad_(True)
    synth_render(c, 2048, torch.zeros(1, 1, dtype=torch.int64)).abs().sum().backward()
    assert c.grad is not None and torch.all(torch.isfinite(c.grad))
