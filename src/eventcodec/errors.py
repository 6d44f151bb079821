"""Errors a user can cause. The CLI prints them as one line and exits non-zero."""


class EventCodecError(Exception):
    """A problem with the user's input (bad file, bad flag, wrong format); never a bug."""


class FormatError(EventCodecError):
    """An .evc file (or its JSON form) that cannot be parsed or fails validation."""


class AudioError(EventCodecError):
    """An audio file that cannot be read, or audio that cannot be encoded."""


class ControlError(EventCodecError):
    """Controls that are out of range, NaN, or do not match the schema."""
