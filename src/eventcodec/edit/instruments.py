"""Instruments: events grouped by timbre, a handle for editing and exporting (docs/editing.md, "Instruments").

An event's *timbre* is its controls other than time, pitch, level, room and noise seed: the envelope's
shape (`attack_s`, `env_decay_s`, `sustain_db`, `release_s`), the resonance (`n_partials`, `inharmonicity`,
`decay_s`, `decay_tilt`, `brightness_hz`, `spectral_slope_db_oct`, `odd_even`, `tonal_mix`), the body and
the excitation's noise band and click. `hold_s` is left out: the note stage writes each note's length there.
Features are those controls normalised to [0, 1] (their own scale: log for times and frequencies), times a
weight (`TIMBRE_WEIGHTS`).

Pitched and unpitched events (`edit.pitched`) are clustered apart, each by Ward's method
(`scipy.cluster.hierarchy`), cut where merging two groups would raise the within-group sum of squares by more
than `CUT_SSE_PER_EVENT` per clustered event (so a handful of odd events joins a large group rather than
forming its own), at most `MAX_INSTRUMENTS` groups in all (`MAX_DRUM_GROUPS` of them unpitched). Every event
then takes the label of the nearest group centroid of its own kind, so a `Bank` fitted on one set labels
any edited copy of it the same way: deleting, moving, re-gaining or transposing events never renumbers the
instruments. Labels are numbered by first onset. Sets of more than `MAX_LINKAGE` events are clustered on an
evenly spaced subsample (in time order). Everything is deterministic and independent of the events' order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from eventcodec import controls
from eventcodec.edit.pitched import midi_note, pitched_mask
from eventcodec.errors import EventCodecError
from eventcodec.types import EventSet

MAX_INSTRUMENTS = 16
MAX_DRUM_GROUPS = 4
MAX_LINKAGE = 3000
CUT_SSE_PER_EVENT = 0.02  # chosen on the dev MIDI mixes (benchmarks/instruments_midi.py)
TIMBRE_WEIGHTS: dict[str, float] = {
    "attack_s": 1.0,
    "env_decay_s": 0.5,
    "sustain_db": 1.0,
    "release_s": 0.5,
    "noise_lowpass_hz": 0.5,
    "noise_highpass_hz": 0.5,
    "click_mix": 0.5,
    "n_partials": 0.5,
    "inharmonicity": 1.0,
    "decay_s": 1.0,
    "decay_tilt": 0.5,
    "brightness_hz": 1.0,
    "spectral_slope_db_oct": 0.5,
    "odd_even": 0.5,
    "tonal_mix": 1.0,
    "body_hz": 0.5,
    "body_decay_s": 0.5,
    "body_mix": 0.5,
}
_COLUMNS = np.array([controls.index_of(n) for n in TIMBRE_WEIGHTS])
_WEIGHTS = np.sqrt(np.array(list(TIMBRE_WEIGHTS.values())))


@dataclass(frozen=True)
class Bank:
    """Instrument centroids fitted on a set: `centroids` (K, n_features), `pitched` (K,) bool, label = row."""

    centroids: np.ndarray
    pitched: np.ndarray

    def __len__(self) -> int:
        return len(self.centroids)


@dataclass(frozen=True)
class InstrumentInfo:
    """One instrument of a set: its label, event count, pitch range (note names; "" if unpitched), description."""

    index: int
    n_events: int
    pitched: bool
    pitch_range: str
    description: str


def timbre_features(events: EventSet) -> np.ndarray:
    """(n_events, n_features) weighted normalised timbre controls (module docstring)."""
    if len(events) == 0:
        return np.zeros((0, len(_COLUMNS)))
    out: np.ndarray = np.asarray(events.vectors, np.float64)[:, _COLUMNS] * _WEIGHTS
    return out


def _canonical_order(events: EventSet, feats: np.ndarray) -> np.ndarray:
    """Indices sorting events by time, then by features: the same order whatever order they came in."""
    keys = [feats[:, j] for j in range(feats.shape[1] - 1, -1, -1)] + [np.asarray(events.times)]
    return np.lexsort(keys)


def _ward(feats: np.ndarray, max_groups: int) -> list[np.ndarray]:
    """Ward clusters of `feats` (n, d) as lists of row indices, cut by `CUT_SSE_PER_EVENT`, at most max_groups."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(feats)
    if n == 0 or max_groups < 1:
        return []
    if n < 3:
        return [np.arange(n)]
    take = np.unique(np.linspace(0, n - 1, min(n, MAX_LINKAGE)).round().astype(np.int64))
    tree = linkage(feats[take], method="ward")
    # scipy's Ward height h satisfies h**2 / 2 = the rise in within-group sum of squares
    labels = fcluster(tree, t=float(np.sqrt(2 * len(take) * CUT_SSE_PER_EVENT)), criterion="distance")
    if labels.max() > max_groups:
        labels = fcluster(tree, t=max_groups, criterion="maxclust")
    return [take[labels == k] for k in np.unique(labels)]


def fit_bank(events: EventSet) -> Bank:
    """The instruments of a set (module docstring); an empty bank for an empty or latent set."""
    if len(events) == 0 or events.space != "controls":
        return Bank(np.zeros((0, len(_COLUMNS))), np.zeros(0, dtype=bool))
    all_feats = timbre_features(events)
    order = _canonical_order(events, all_feats)
    feats, pitched = all_feats[order], pitched_mask(events)[order]
    centroids: list[np.ndarray] = []
    kinds: list[bool] = []
    for kind in (False, True):  # drums first: the pitched groups get what is left of MAX_INSTRUMENTS
        rows = np.flatnonzero(pitched == kind)
        for group in _ward(feats[rows], MAX_INSTRUMENTS - len(centroids) if kind else MAX_DRUM_GROUPS):
            centroids.append(feats[rows[group]].mean(axis=0))
            kinds.append(kind)
    bank = Bank(np.array(centroids), np.array(kinds, dtype=bool))
    # number by the first onset of the events each centroid labels (not of its Ward group: they may differ)
    labels = assign(events, bank)[order]
    first = [int(np.flatnonzero(labels == k)[0]) if np.any(labels == k) else len(order) for k in range(len(bank))]
    keep = np.argsort(np.array(first), kind="stable")
    keep = keep[np.array(first)[keep] < len(order)]
    return Bank(bank.centroids[keep], bank.pitched[keep])


def assign(events: EventSet, bank: Bank) -> np.ndarray:
    """Label (n_events,) int64 of each event: its nearest centroid of its own kind (pitched or not).

    An event whose kind has no centroid in the bank takes the nearest of any kind; an empty bank labels
    every event 0.
    """
    n = len(events)
    if n == 0 or len(bank) == 0 or events.space != "controls":
        return np.zeros(n, dtype=np.int64)
    feats = timbre_features(events)
    c = bank.centroids  # |f - c|^2 expanded: (n_events, K) memory, not (n_events, K, n_features)
    d2 = (feats**2).sum(axis=1)[:, None] - 2 * feats @ c.T + (c**2).sum(axis=1)[None, :]
    pitched = pitched_mask(events)
    other_kind = pitched[:, None] != bank.pitched[None, :]
    has_own = ~np.all(other_kind, axis=1)
    d2 = np.where(other_kind & has_own[:, None], np.inf, d2)
    return np.argmin(d2, axis=1).astype(np.int64)


def instruments(events: EventSet) -> np.ndarray:
    """Instrument label (n_events,) in 0..K-1 (K <= MAX_INSTRUMENTS) of every event, by timbre alone."""
    return assign(events, fit_bank(events))


NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")


def note_name(midi: int) -> str:
    """MIDI note number -> name with octave, e.g. 60 -> "C4"."""
    return f"{NOTE_NAMES[midi % 12]}{midi // 12 - 1}"


def _words(mean: dict[str, float], pitched: bool) -> str:
    """A short description of a group from the median of its physical controls."""
    if not pitched:
        centre = np.sqrt(mean["noise_lowpass_hz"] * mean["noise_highpass_hz"])
        band = "low" if centre < 150 else "mid" if centre < 2000 else "high"
        return f"drums/noise, {band}"
    held = mean["sustain_db"] > -30 or mean["attack_s"] > 0.03
    ring = mean["decay_s"] if not held else mean["decay_s"] + mean["release_s"]
    parts = ["pitched", "held" if held else "struck",
             "bright" if mean["brightness_hz"] > 2500 else "dark" if mean["brightness_hz"] < 800 else "mellow",
             "short" if ring < 0.3 else "long" if ring > 1.5 else "medium"]
    if mean["n_partials"] >= 32 or mean["n_partials"] <= 3:
        parts.append("rich" if mean["n_partials"] >= 32 else "pure")
    if mean["inharmonicity"] > 1e-4:
        parts.append("inharmonic")
    return ", ".join(parts)


def describe(events: EventSet, labels: np.ndarray) -> list[InstrumentInfo]:
    """One `InstrumentInfo` per label present, in label order (words from the group's median controls)."""
    if len(events) == 0 or events.space != "controls":
        return []
    phys = controls.to_physical(events.vectors)
    pitched = pitched_mask(events)
    f0 = phys[:, controls.index_of("f0_hz")]
    out = []
    for k in np.unique(labels):
        rows = labels == k
        is_pitched = bool(pitched[rows].mean() >= 0.5)
        mean = {name: float(np.median(phys[rows, controls.index_of(name)])) for name in controls.NAMES}
        notes = midi_note(f0[rows & pitched])
        span = f"{note_name(int(notes.min()))}-{note_name(int(notes.max()))}" if is_pitched and len(notes) else ""
        out.append(InstrumentInfo(int(k), int(rows.sum()), is_pitched, span, _words(mean, is_pitched)))
    return out


def typical_event(events: EventSet, labels: np.ndarray, j: int) -> int:
    """Index of instrument j's most typical event: the one whose timbre features lie nearest j's mean.

    Raises:
        EventCodecError: instrument j has no events.
    """
    rows = np.flatnonzero(np.asarray(labels) == j)
    if len(rows) == 0:
        raise EventCodecError(f"instrument {j} has no events")
    feats = timbre_features(events)[rows]
    return int(rows[np.argmin(((feats - feats.mean(axis=0)) ** 2).sum(axis=1))])


def timbre_from(events: EventSet, labels: np.ndarray, k: int, j: int, where: np.ndarray | None = None) -> EventSet:
    """Every event of instrument k (and in `where`, a bool mask, if given) takes instrument j's timbre.

    The timbre is the clustered controls (`TIMBRE_WEIGHTS`) of j's most typical event (`typical_event`): a
    real event's values, not a mean. Each event keeps its time, `f0_hz`, `amp_db`, `hold_s`, room, seed and
    the other controls.

    Raises:
        EventCodecError: j == k, a latent set, labels of the wrong length, or k or j without events.
    """
    from eventcodec.edit.ops import _logged

    if events.space != "controls":
        raise EventCodecError("timbre-from needs an event set in the controls space (this one is latent)")
    labels = np.asarray(labels)
    if labels.shape != (len(events),):
        raise EventCodecError(f"{labels.size} instrument labels for {len(events)} events")
    if j == k:
        raise EventCodecError(f"instrument {k} cannot take the timbre of itself; name another instrument")
    target = labels == k if where is None else (labels == k) & where
    if not np.any(labels == k):
        raise EventCodecError(f"instrument {k} has no events")
    source = typical_event(events, labels, j)
    vectors = events.vectors.copy()
    vectors[np.ix_(target, _COLUMNS)] = events.vectors[source, _COLUMNS]
    return _logged(events, f"timbre of instrument {k} from instrument {j} (event {source})", vectors=vectors)
