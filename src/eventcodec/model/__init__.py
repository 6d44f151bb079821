"""The paper's learned model: encoder, MLP control heads, iterative loss, checkpoints.

Heavy pieces import torch; `eventcodec.model.latent_to_controls` is what decoders call for
`latent` EventSets.
"""

from __future__ import annotations

from eventcodec.model.config import Config, ModelConfig, TrainConfig, load_config
from eventcodec.model.load import build_model, latent_to_controls, load_model
from eventcodec.model.model import Decomposition, EventModel

__all__ = [
    "Config",
    "Decomposition",
    "EventModel",
    "ModelConfig",
    "TrainConfig",
    "build_model",
    "latent_to_controls",
    "load_config",
    "load_model",
]
