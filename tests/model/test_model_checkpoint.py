import pickle

import pytest
import torch

from eventcodec.model.checkpoint import CheckpointError, load_checkpoint, resolve, save_checkpoint
from eventcodec.model.config import load_config
from eventcodec.model.model import EventModel


def _trained_bits(tmp_path):
    cfg = load_config("tiny")
    torch.manual_seed(0)
    model = EventModel(cfg.model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.heads(torch.randn(3, 32)).sum().backward()
    opt.step()
    digest = save_checkpoint(tmp_path / "ck", cfg, model.state_dict(), 7, opt.state_dict(), extra={"a": [1, 2]})
    return cfg, model, opt, digest, torch.get_rng_state()


def test_checkpoint_round_trips_bit_exactly(tmp_path):
    cfg, model, opt, digest, rng = _trained_bits(tmp_path)
    ck = load_checkpoint(tmp_path / "ck")
    assert ck.config == cfg and ck.step == 7 and ck.hash == digest and ck.extra == {"a": [1, 2]}
    state = model.state_dict()
    assert set(ck.weights) == set(state)
    assert all(torch.equal(ck.weights[k], state[k]) for k in state)
    opt2 = torch.optim.Adam(EventModel(cfg.model).parameters(), lr=1e-3)
    opt2.load_state_dict(ck.optimizer_state)
    a, b = opt.state_dict(), opt2.state_dict()
    assert a["param_groups"][0]["lr"] == b["param_groups"][0]["lr"]
    for pid, s in a["state"].items():
        for key, value in s.items():
            assert torch.equal(value, b["state"][pid][key])
    assert ck.torch_rng is not None and torch.equal(ck.torch_rng, rng)


def test_pickle_is_never_loaded(tmp_path):
    _trained_bits(tmp_path)
    bad = tmp_path / "pickled"
    bad.mkdir()
    (bad / "model.pt").write_bytes(pickle.dumps({"w": 1}))
    with pytest.raises(CheckpointError, match="not a checkpoint"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="only safetensors"):
        load_checkpoint(bad / "model.pt")
    # a stray pickle beside a real checkpoint is ignored
    (tmp_path / "ck" / "evil.pkl").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")
    assert load_checkpoint(tmp_path / "ck").step == 7


def test_tampered_weights_are_refused_and_hash_resolves(tmp_path, monkeypatch):
    _, model, _, digest, _ = _trained_bits(tmp_path)
    monkeypatch.setenv("EVENTCODEC_MODELS", str(tmp_path / "models"))
    cfg = load_config("tiny")
    save_checkpoint(tmp_path / "models" / digest, cfg, model.state_dict())
    assert resolve(digest) == tmp_path / "models" / digest
    with pytest.raises(CheckpointError):
        resolve("0123456789abcdef")
    state = {k: v.clone() for k, v in model.state_dict().items()}
    next(iter(state.values())).view(-1)[0] += 1
    save_checkpoint(tmp_path / "t", cfg, state)
    meta = (tmp_path / "t" / "checkpoint.json").read_text().replace(
        load_checkpoint(tmp_path / "t").hash, digest)
    (tmp_path / "t" / "checkpoint.json").write_text(meta)
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(tmp_path / "t")
