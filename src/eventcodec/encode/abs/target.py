"""The bitrate as a target: refuse what the format cannot carry, spend what the search left, say why not.

The stream's budget (`budget.py`) spends a target on events while they still explain something audible and
`trim_to_bitrate` makes it a ceiling. What the search leaves unspent goes into a finer grid for the event
values (8 -> 12 bits per value, `f0_hz` 12 -> 16): the largest grid whose file still fits the target, up to
the first that reaches TARGET_SHARE of it. When even the finest grid stays under, one line says why.
"""

from __future__ import annotations

import warnings

from eventcodec.encode.abs.budget import container_bits
from eventcodec.errors import EventCodecError
from eventcodec.types import SAMPLE_RATE, EventSet

TARGET_SHARE = 0.9  # a file within 10 % under its target has reached it
VALUE_BITS = (9, 10, 11, 12)  # the finer grids tried after the default 8 bits per value
# the texture's band levels alone (no mask rows, no events): 0.6-0.8 kbps on real music, less on sparse input
TEXTURE_FLOOR_KBPS = 0.5
KEEP_GRID = ("seed", "room_id")


def minimum_kbps(n_samples: int, texture: bool) -> float:
    """The lowest target a file of `n_samples` samples can be held to: its container, and with a texture the
    floor of the texture's band levels."""
    seconds = max(n_samples, 1) / SAMPLE_RATE
    return container_bits(n_samples) / seconds / 1000.0 + (TEXTURE_FLOOR_KBPS if texture else 0.0)


def check_target(kbps: float, n_samples: int, texture: bool) -> None:
    """Refuse a target under `minimum_kbps`, naming the minimum.

    Raises:
        EventCodecError: the target is below what the format can carry for this length.
    """
    floor = minimum_kbps(n_samples, texture)
    if kbps < floor:
        alone = f" ({minimum_kbps(n_samples, False):.2f} kbps with --no-texture)" if texture else ""
        raise EventCodecError(f"--bitrate-kbps {kbps:g} is below what an .evc file of this length can carry: "
                              f"at least {floor:.2f} kbps{alone}")


def kbps_of(events: EventSet) -> float:
    """The bitrate of `events` as an .evc file."""
    return 8.0 * len(events.to_bytes()) / max(events.duration_s, 1e-9) / 1000.0


def finer_grid(events: EventSet, value_bits: int) -> EventSet:
    """`events` on a grid of `value_bits` bits per value (`f0_hz` 4 more), as a file would store them."""
    from eventcodec.controls import CONTROLS
    from eventcodec.format.quantizer import controls_quantizer

    # `seed` picks the noise (hashed) and `room_id` a room: a finer grid would move them to another one
    bits = {c.name: value_bits for c in CONTROLS if c.name not in KEEP_GRID} | {"f0_hz": min(16, value_bits + 4)}
    q = controls_quantizer(bits)
    return events.replace(vectors=q.dequantize(q.quantize(events.vectors)), quantizer=q)


def spend_to_target(events: EventSet, kbps: float, quality: str, max_events_per_s: float) -> EventSet:
    """`events` on the finest grid that fits `kbps` (coarser ones first, stopping once within TARGET_SHARE);
    a warning says why when even the finest stays under."""
    if events.space != "controls":
        return events
    if not len(events):
        if events.texture is not None:
            warnings.warn(f"no events fit in {kbps:g} kbps beside the noise texture ({kbps_of(events):.2f} kbps): "
                          f"ask more, or --no-texture for events only", stacklevel=2)
        return events
    target_bits = kbps * 1000.0 * events.duration_s
    best, best_bits = events, 8.0 * len(events.to_bytes())
    for value_bits in VALUE_BITS:
        if best_bits >= TARGET_SHARE * target_bits:
            return best
        finer = finer_grid(events, value_bits)
        bits = 8.0 * len(finer.to_bytes())
        if bits > target_bits:
            break
        best, best_bits = finer, bits
    got = best_bits / max(events.duration_s, 1e-9) / 1000.0
    if got < TARGET_SHARE * kbps:
        rate = len(events) / max(events.duration_s, 1e-9)
        why = (f"the event rate reached --quality {quality}'s ceiling ({max_events_per_s:g}/s; raise it with "
               f"--events-per-second or --quality best)" if rate >= 0.9 * max_events_per_s else
               f"the events stopped where what they leave is inaudible ({rate:.1f}/s): the input needed no more")
        warnings.warn(f"{got:.2f} of the {kbps:g} kbps asked: {why}", stacklevel=2)
    return best
