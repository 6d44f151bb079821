import numpy as np
import pytest
import torch

from eventcodec.codec import decode, encode
from eventcodec.controls import CONTROLS, default_unit_vector, index_of
from eventcodec.encode import EncodeOptions
from eventcodec.errors import EventCodecError
from eventcodec.model import latent_to_controls
from eventcodec.model.checkpoint import save_checkpoint
from eventcodec.model.config import Config, ModelConfig
from eventcodec.model.model import EventModel
from eventcodec.types import EventSet

CFG = Config(name="t", model=ModelConfig(n_samples=4096, n_events=3, channels=8, dilations=(1, 2), head_hidden=16,
                                         head_blocks=1, n_heads=2, control_ranges=(("n_partials", 0.0, 0.1),)))


@pytest.fixture
def checkpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("EVENTCODEC_MODELS", str(tmp_path / "models"))
    torch.manual_seed(0)
    model = EventModel(CFG.model)
    # a model whose heads ignore the latent and always output a 220 Hz decaying tone like the input's
    target = default_unit_vector()
    for name, value in (("amp_db", -6.0), ("f0_hz", 220.0), ("n_partials", 1.0), ("tonal_mix", 0.95),
                        ("decay_s", 2.3), ("attack_s", 0.001), ("hold_s", 0.01)):
        target[index_of(name)] = CONTROLS[index_of(name)].to_unit(value)
    u = np.clip((target - model.heads.lo.numpy()) / (model.heads.hi - model.heads.lo).numpy(), 1e-3, 1 - 1e-3)
    with torch.no_grad():
        for head, cols in zip(model.heads.heads, model.heads.groups, strict=True):
            head.out.weight.zero_()
            head.out.bias.copy_(torch.from_numpy(np.log(u[cols] / (1 - u[cols]))))
    digest = save_checkpoint(tmp_path / "ck", CFG, model.state_dict())
    return tmp_path / "ck", digest, tmp_path


def _audio(n=11000):
    t = np.arange(n) / 22050
    return (0.8 * np.sin(2 * np.pi * 220 * t) * np.exp(-3 * t)).astype(np.float32)


def test_encodes_latent_events_in_streaming_windows_and_decodes(checkpoint):
    path, digest, tmp = checkpoint
    events = encode(_audio(), encoder="learned", options=EncodeOptions(checkpoint=str(path)))
    assert events.space == "latent" and events.model_hash == digest and events.n_samples == 11000
    assert 1 <= len(events) <= 3 * 6  # at most n_events per half-window hop (6 windows)
    assert np.all(events.times < 11000) and np.all(events.times % 256 == 0)
    # the model was copied where decoding finds it by hash
    assert (tmp / "models" / digest / "model.safetensors").is_file()
    controls = latent_to_controls(events)
    assert controls.space == "controls" and np.array_equal(controls.times, events.times)
    assert controls.vectors.min() >= 0 and controls.vectors.max() <= 1
    audio = decode(events)
    assert audio.shape == (11000,) and np.abs(audio).max() > 0
    assert np.allclose(audio, decode(controls), atol=1e-6)


def test_events_per_second_caps_events(checkpoint):
    path, _, _ = checkpoint
    events = encode(_audio(), encoder="learned", options=EncodeOptions(checkpoint=str(path), events_per_second=5))
    assert len(events) <= 6  # one per window


def test_without_a_checkpoint_the_shipped_model_encodes():
    from pathlib import Path

    import eventcodec
    from eventcodec.audio import load
    from eventcodec.model.checkpoint import SHIPPED_MODEL_HASH

    clip = Path(eventcodec.__file__).parent / "data" / "examples" / "traveling_minstrels_8s.flac"
    audio, _ = load(clip)
    events = encode(audio[: 3 * 22050], encoder="learned")
    assert events.space == "latent" and events.model_hash == SHIPPED_MODEL_HASH
    assert len(events) > 0


def test_missing_or_pickled_checkpoint_is_a_user_error(tmp_path):
    with pytest.raises(EventCodecError, match="no checkpoint"):
        encode(_audio(), encoder="learned", options=EncodeOptions(checkpoint=str(tmp_path / "nope")))
    (tmp_path / "model.pt").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(EventCodecError, match="only safetensors"):
        encode(_audio(), encoder="learned", options=EncodeOptions(checkpoint=str(tmp_path / "model.pt")))


def test_cli_encode_with_checkpoint_then_decode(checkpoint, tmp_path):
    import soundfile as sf

    from eventcodec.cli.main import main

    path, digest, _ = checkpoint
    sf.write(tmp_path / "in.wav", _audio(), 22050)
    assert main(["encode", str(tmp_path / "in.wav"), str(tmp_path / "x.evc"), "--encoder", "learned",
                 "--checkpoint", str(path), "-q"]) == 0
    events = EventSet.from_bytes((tmp_path / "x.evc").read_bytes())
    assert events.space == "latent" and events.model_hash == digest and len(events) > 0
    assert main(["decode", str(tmp_path / "x.evc"), str(tmp_path / "out.wav"), "-q"]) == 0
    assert sf.info(str(tmp_path / "out.wav")).frames == 11000


def test_best_quality_takes_every_step(checkpoint):
    path, _, _ = checkpoint
    best = encode(_audio(), encoder="learned", options=EncodeOptions(checkpoint=str(path), quality="best"))
    default = encode(_audio(), encoder="learned", options=EncodeOptions(checkpoint=str(path)))
    assert len(best) >= len(default) and len(best) >= 3 * 5  # 3 steps in each window that starts in the audio
