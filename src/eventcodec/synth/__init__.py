"""The source-excitation synthesizer: controls -> audio (see docs/synth.md).

Layer 1 (pure torch functions): `excitation`, `resonance`, `mix`, `room`, `schedule`, `noise`.
API: `render`, `render_stages`, `decode`, `explain`, `event_seeds`, `audible_length`, `validate_controls`.
"""

from eventcodec.synth.decode import decode, decode_chunks
from eventcodec.synth.explain import explain
from eventcodec.synth.length import audible_length
from eventcodec.synth.render import render, render_dry, render_stages
from eventcodec.synth.seeds import event_seeds
from eventcodec.synth.validate import validate_controls

__all__ = [
    "audible_length",
    "decode",
    "decode_chunks",
    "event_seeds",
    "explain",
    "render",
    "render_dry",
    "render_stages",
    "validate_controls",
]
