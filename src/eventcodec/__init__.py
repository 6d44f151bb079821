"""eventcodec: store music as a sparse list of events rendered by a source-excitation synthesizer."""

from eventcodec.errors import AudioError, ControlError, EventCodecError, FormatError
from eventcodec.types import SAMPLE_RATE, EventSet

__all__ = ["SAMPLE_RATE", "AudioError", "ControlError", "EventCodecError", "EventSet", "FormatError"]
