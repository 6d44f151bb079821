import pytest

from eventcodec.errors import EventCodecError
from eventcodec.model.config import Config, load_config


def test_presets_load_and_round_trip_json():
    tiny, paper = load_config("tiny"), load_config("paper")
    assert paper.model.n_samples == 2**17 and paper.model.n_events == 32 and paper.train.learning_rate == 1e-4
    assert tiny.model.channels == 32 and tiny.model.dilations[-1] == 64
    assert Config.from_json(tiny.to_json()) == tiny


def test_overrides_and_unknown_keys():
    cfg = load_config("tiny", {"train": {"max_steps": 3}})
    assert cfg.train.max_steps == 3
    with pytest.raises(EventCodecError, match="unknown"):
        load_config("tiny", {"train": {"bogus": 1}})
    with pytest.raises(EventCodecError, match="unknown config"):
        load_config("no-such-preset")
