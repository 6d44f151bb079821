"""The `eventcodec` command line: a thin client of the codec API, one module per command group."""
