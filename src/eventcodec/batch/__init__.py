"""Whole libraries: encode or decode every file of a folder tree, resumably, on local cores or a Dask cluster.

`encode_many(in_dir, out_dir)` mirrors the tree as .evc files, `decode_many` as .wav files. A JSON
manifest in the output folder records every file (input sha256, settings, output size, or the failure
reason), so a re-run skips what is done and a settings change redoes it.
"""

from eventcodec.batch.run import BatchConfig, decode_many, encode_many
from eventcodec.batch.summary import BatchSummary

__all__ = ["BatchConfig", "BatchSummary", "decode_many", "encode_many"]
