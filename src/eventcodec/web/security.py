"""Limits, content sniffing, random ids and security headers for the studio.

Pure functions and small classes; nothing here touches the network or a request's strings
beyond validating them.
"""

from __future__ import annotations

import ipaddress
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

# No inline script or style, nothing from another origin; audio and images only from us (or blobs we made).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cache-Control": "no-store",
}

_HOST_RE = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9.-]+))(?::[0-9]{1,5})?")

ID_BYTES = 18  # 144 random bits: ids are capabilities, so they must be unguessable
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{24}$")


@dataclass(frozen=True)
class Limits:
    """What one studio accepts.

    Attributes:
        max_upload_bytes: largest upload body; larger gives 413.
        max_duration_s: longest audio accepted; longer gives 422.
        max_sessions: live sessions kept at once; beyond it a new one takes the place of the least recently
            used session idle for `evict_idle_s`, or is refused (503): a live session is never pushed out.
        session_ttl_s: a session idle this long is deleted with its files (a reloaded page finds its own
            session until then).
        evict_idle_s: idle time after which a session may give its place to a new one when all are taken.
        max_events_per_min: events a session may hold per minute of its length (an opened .evc, an encode);
            the encoder's densest preset makes at most 1,440.
        min_events: events always allowed, however short the piece.
        max_running_jobs: encodes running at once; others wait in a queue.
        max_queued_jobs: encodes waiting at most; beyond it a request gets 429.
        unwatched_grace_s: a job nobody follows (closed tab, dropped upload) is cancelled after this.
        encode_threads: torch threads per encode worker.
    """

    max_upload_bytes: int = 64 * 2**20
    max_duration_s: float = 120.0
    max_sessions: int = 32
    session_ttl_s: float = 3600.0
    evict_idle_s: float = 600.0
    max_events_per_min: float = 2000.0
    min_events: int = 200
    max_running_jobs: int = 1
    max_queued_jobs: int = 8
    unwatched_grace_s: float = 15.0
    encode_threads: int = 1


def max_events(limits: Limits, duration_s: float) -> int:
    """How many events a session may hold for a piece of `duration_s` seconds."""
    return max(limits.min_events, math.ceil(limits.max_events_per_min * max(duration_s, 0.0) / 60.0))


def check_event_count(limits: Limits, events: EventSet) -> None:
    """Refuse a set with more events than `max_events` allows for its length (each costs render and map time).

    Raises:
        EventCodecError: too many events.
    """
    cap = max_events(limits, events.duration_s)
    if len(events) > cap:
        raise EventCodecError(f"too many events: {len(events)} in {events.duration_s:.1f} s; the studio takes at "
                              f"most {cap} ({limits.max_events_per_min:g} per minute, at least {limits.min_events})")


def new_id() -> str:
    """A fresh random id (24 url-safe characters)."""
    return secrets.token_urlsafe(ID_BYTES)


def is_id(text: str) -> bool:
    """True when `text` has the shape of an id we hand out (checked before any lookup)."""
    return bool(_ID_RE.match(text))


def sniff_audio(head: bytes) -> str | None:
    """The audio container that the first bytes of a file show, or None.

    Args:
        head: the first 64 (or more) bytes of the upload.

    Returns:
        A file extension for the detected container (`wav`, `flac`, `ogg`, `mp3`, `aiff`), or None.
    """
    if len(head) < 12:
        return None
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[:3] == b"ID3" or (head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0):
        return "mp3"
    return None


def display_name(filename: str, max_chars: int = 80) -> str:
    """A harmless label for a client-supplied file name: used in download names, never as a path."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    clean = re.sub(r"[^A-Za-z0-9._ -]+", "_", stem).strip(" ._")
    return clean[:max_chars] or "audio"


def host_of(header: str) -> str | None:
    """The host a Host header names, without its port: lower-case, IPv6 literals bracketed and compressed.

    "[::1]:8000" -> "[::1]", "LocalHost:8765" -> "localhost"; None for a malformed header ("[::1",
    "::1" without brackets, "a:b:c").
    """
    m = _HOST_RE.fullmatch(header)
    if m is None:
        return None
    if m["ipv6"] is None:
        return m["name"].lower()
    try:
        return f"[{ipaddress.IPv6Address(m['ipv6']).compressed}]"
    except ValueError:
        return None


def allowed_host_names(hosts: Iterable[str]) -> frozenset[str]:
    """Allow-list entries in `host_of` form; an IPv6 address may be given with or without brackets."""
    # "--host ::1" binds an address that a browser writes "[::1]" in its Host header
    names = (host_of(f"[{h}]" if ":" in h and not h.startswith("[") else h) for h in hosts)
    return frozenset(n for n in names if n is not None)
