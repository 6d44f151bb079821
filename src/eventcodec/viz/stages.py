"""Decoder stages of one event as spectrograms (filled in when the synth lands)."""
