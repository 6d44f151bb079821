"""The benchmark harness: rate, quality, speed and memory of eventcodec against Opus, MP3, Vorbis and Gabor MP.

`eventcodec bench` runs every system on every clip of a corpus (see scripts/make_corpus.py), each encoder and
decoder in its own process, and writes a markdown table, per-clip JSON/CSV and a rate-distortion plot.
"""
