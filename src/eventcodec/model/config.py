"""Model and training configuration: frozen dataclasses with small TOML overlays.

`load_config("tiny")` reads `configs/tiny.toml` (searched in `./configs`, then in the source
checkout) over the defaults below; any `.toml` path works too. The defaults are the paper's
model (`configs/paper.toml` is nearly empty on purpose). A config is saved in every checkpoint.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from eventcodec.errors import EventCodecError

LossKind = Literal["difference", "ratio"]


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of the learned encoder/decoder.

    Attributes:
        n_samples: analysis window in samples (2^17 in the paper; the frame count is n_samples / hop).
        hop: STFT hop in samples (frames of the encoder and the coarse time grid).
        n_events: events (encoder steps) per window; only the first half of the window commits them.
        channels: encoder hidden channels (1x1 conv 1025 -> channels, then gated dilated blocks).
        dilations: one gated residual block per dilation, kernel 2, padded on the future side.
        latent_size: size of the event vector (fixed at 32 by the file format).
        head_hidden: width of each MLP head.
        head_blocks: residual blocks per MLP head.
        n_heads: MLP heads; the 32 controls are split into this many contiguous groups.
        select_temperature: softmax temperature of the differentiable path through the one-hot selection.
        control_ranges: (name, lo, hi) limits on the heads' normalised outputs, e.g. ("n_partials", 0, 0.12)
            caps partials at 8 so a CPU can train; outputs stay valid controls.
    """

    n_samples: int = 2**17
    hop: int = 256
    n_events: int = 32
    channels: int = 512
    dilations: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 1)
    latent_size: int = 32
    head_hidden: int = 512
    head_blocks: int = 2
    n_heads: int = 12
    select_temperature: float = 1.0
    control_ranges: tuple[tuple[str, float, float], ...] = ()

    @property
    def n_frames(self) -> int:
        return self.n_samples // self.hop


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation, loss switches and bookkeeping.

    Attributes:
        batch_size: examples per process per step (the paper: 2).
        learning_rate: Adam step size (the paper: 1e-4).
        max_steps: stop after this many steps (0: no limit).
        max_minutes: stop after this much wall-clock time (0: no limit).
        loss_kind: `difference` (the paper: sum of L1 changes, telescopes) or `ratio` (order-dependent).
        ramp_power: second-half frame weight is a 1 -> 0 ramp to this power (paper text 1, author's code 8).
        mrstft_weight: weight of an optional multi-resolution STFT term on the summed events (0: off).
        sparsity_weight: weight of an optional penalty on the summed event L1 norms (0: off).
        grad_clip: clip the global gradient norm to this (0: no clipping); steps with a non-finite
            gradient are always skipped (and counted in the log).
        log_every: steps between JSONL log lines.
        sample_every: steps between audio samples (0: never).
        checkpoint_every: steps between checkpoints (a final one is always written).
        seed: seeds weights, data sampling and render noise.
        threads: torch intra-op threads per process (0: torch's default).
    """

    batch_size: int = 2
    learning_rate: float = 1e-4
    max_steps: int = 0
    max_minutes: float = 0.0
    loss_kind: LossKind = "difference"
    ramp_power: float = 1.0
    mrstft_weight: float = 0.0
    sparsity_weight: float = 0.0
    grad_clip: float = 1.0
    log_every: int = 10
    sample_every: int = 500
    checkpoint_every: int = 500
    seed: int = 0
    threads: int = 0


@dataclass(frozen=True)
class Config:
    """Everything a run needs; `name` is the preset it came from."""

    name: str = "paper"
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_json(obj: dict[str, Any]) -> Config:
        """Inverse of `to_json`; unknown keys are an error (a checkpoint from a newer version)."""
        try:
            model = _build(ModelConfig, obj.get("model", {}))
            train = _build(TrainConfig, obj.get("train", {}))
        except TypeError as e:
            raise EventCodecError(f"bad config: {e}") from None
        return Config(name=str(obj.get("name", "custom")), model=model, train=train)


def _build(cls: type, values: dict[str, Any]) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise EventCodecError(f"unknown {cls.__name__} keys: {', '.join(unknown)}")
    return cls(**{k: _tuples(v) for k, v in values.items()})


def _tuples(value: Any) -> Any:
    """JSON/TOML lists -> tuples, recursively (frozen dataclasses hold tuples)."""
    return tuple(_tuples(v) for v in value) if isinstance(value, list | tuple) else value


def config_dirs() -> list[Path]:
    """Where preset names are looked up: `./configs`, then the source checkout's `configs/`."""
    return [Path(os.getcwd()) / "configs", Path(__file__).resolve().parents[3] / "configs"]


def load_config(name_or_path: str, overrides: dict[str, Any] | None = None) -> Config:
    """A preset name (`tiny`, `paper`) or a `.toml` path, overlaid on the defaults.

    The TOML has optional `[model]` and `[train]` tables; `overrides` is a dict of the same shape.

    Raises:
        EventCodecError: unknown preset, unreadable TOML or unknown keys.
    """
    path = Path(name_or_path)
    if path.suffix != ".toml":
        found = [d / f"{name_or_path}.toml" for d in config_dirs() if (d / f"{name_or_path}.toml").is_file()]
        if not found:
            raise EventCodecError(f"unknown config {name_or_path!r} (looked in {', '.join(map(str, config_dirs()))})")
        path = found[0]
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise EventCodecError(f"cannot read config {path}: {e}") from None
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    unknown = sorted(set(data) - {"model", "train"})
    if unknown:
        raise EventCodecError(f"unknown config sections in {path}: {', '.join(unknown)}")
    return Config(
        name=path.stem,
        model=_build(ModelConfig, data.get("model", {})),
        train=_build(TrainConfig, data.get("train", {})),
    )
