"""Baseline codecs implemented in the project (for the benchmark): Gabor-atom matching pursuit."""
