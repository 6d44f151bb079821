import torch

from eventcodec.model.schedule import delay, place_at_frames
from eventcodec.model.select import gather_selected, select_one_hot


def test_one_hot_picks_exactly_one_frame_per_step():
    logits = torch.randn(5, 16)
    logits[:, 8:] = float("-inf")
    oh = select_one_hot(logits)
    assert torch.equal(oh.detach().sum(dim=-1), torch.ones(5))
    assert torch.equal(oh.detach().argmax(dim=-1), logits.argmax(dim=-1))
    assert set(oh.detach().unique().tolist()) == {0.0, 1.0}
    assert torch.all(oh.detach()[:, 8:] == 0)


def test_selection_has_a_gradient_path_to_the_logits():
    logits = torch.randn(2, 16, requires_grad=True)
    vectors = torch.randn(2, 16, 4)
    z = gather_selected(vectors, select_one_hot(logits))
    assert torch.allclose(z.detach(), vectors[torch.arange(2), logits.argmax(-1)])
    z.sum().backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_place_at_frames_equals_integer_delay():
    audio = torch.randn(2, 1024)
    oh = torch.zeros(2, 8)
    oh[0, 3] = 1
    oh[1, 0] = 1
    placed = place_at_frames(audio, oh, 128)
    assert torch.allclose(placed[0], delay(audio[0], 384), atol=1e-5)
    assert torch.allclose(placed[1], audio[1], atol=1e-5)
