"""The noise texture: what the events leave unexplained, as shaped noise in mel bands (a sines + noise model).

`grid` holds the layout and the `Texture` value, `analyse` measures it from the input and the decoded
events, `render` turns it into audio, `track` follows a stream in the encoder. See docs/texture.md.
"""

from eventcodec.texture.grid import Texture

__all__ = ["Texture"]
