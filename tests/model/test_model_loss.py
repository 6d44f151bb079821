import torch

from eventcodec.model.loss import frame_weights, iterative_loss, sparsity_penalty


def test_frame_weights_flat_then_ramp():
    w = frame_weights(8, 1.0)
    assert torch.equal(w[:4], torch.ones(4))
    assert w[4] == 1 and w[-1] == 0 and torch.all(w[4:].diff() < 0)
    assert torch.all(frame_weights(8, 8.0)[5:-1] < w[5:-1])


def test_perfect_decomposition_scores_minus_one_and_nothing_scores_zero():
    torch.manual_seed(0)
    parts = torch.rand(2, 3, 5, 8)
    target = parts.sum(dim=1)
    w = frame_weights(8)
    assert torch.allclose(iterative_loss(target, parts, w), torch.tensor(-1.0), atol=1e-5)
    assert torch.allclose(iterative_loss(target, torch.zeros_like(parts), w), torch.tensor(0.0))


def test_difference_telescopes_and_ratio_depends_on_order():
    torch.manual_seed(1)
    target = torch.rand(1, 5, 8)
    events = torch.rand(1, 3, 5, 8) * 0.5
    w = frame_weights(8)
    direct = ((target - events.sum(1)).abs() * w).sum() / (target.abs() * w).sum() - 1
    assert torch.allclose(iterative_loss(target, events, w), direct, atol=1e-5)
    assert torch.allclose(iterative_loss(target, events.flip(1), w), direct, atol=1e-5)
    r = iterative_loss(target, events, w, "ratio")
    assert 0 < r < 2


def test_sparsity_penalty_grows_with_redundant_events():
    target = torch.ones(1, 4, 8)
    one = torch.ones(1, 1, 4, 8)
    cancelling = torch.cat([one * 2, -one], dim=1)
    w = frame_weights(8)
    assert sparsity_penalty(target, cancelling, w) > sparsity_penalty(target, one, w)
