"""The studio: a FastAPI app and a static front end over the codec API (`eventcodec studio`).

Everything here is a thin client of `eventcodec.codec`, `eventcodec.synth`, `eventcodec.edit`,
`eventcodec.export` and `eventcodec.viz`; it holds no DSP. FastAPI and uvicorn (the `[web]` extra)
are imported only when the studio runs.
"""
