from pathlib import Path

import numpy as np

import eventcodec
from eventcodec.model.checkpoint import load_checkpoint, resolve

MODELS = Path(eventcodec.__file__).parent / "data" / "models"


def test_shipped_models_are_small_verified_and_findable_by_hash():
    folders = [p for p in MODELS.iterdir() if p.is_dir()] if MODELS.is_dir() else []
    assert folders, "the tiny model should ship with the package"
    for folder in folders:
        assert sum(f.stat().st_size for f in folder.iterdir()) < 5 * 2**20
        assert sorted(f.name for f in folder.iterdir()) == ["checkpoint.json", "model.safetensors"]
        ck = load_checkpoint(folder)  # verifies the content hash
        assert ck.hash == folder.name and resolve(folder.name) == folder


def test_shipped_tiny_model_encodes_the_demo_clip_start():
    from eventcodec.audio import example_path, load
    from eventcodec.codec import decode, encode
    from eventcodec.encode import EncodeOptions

    folder = next(p for p in MODELS.iterdir() if p.is_dir())
    audio = load(example_path())[0][: 2**15]
    events = encode(audio, encoder="learned", options=EncodeOptions(checkpoint=folder.name))
    assert events.space == "latent" and events.model_hash == folder.name and len(events) > 0
    out = decode(events)
    assert out.shape == audio.shape and np.all(np.isfinite(out))
