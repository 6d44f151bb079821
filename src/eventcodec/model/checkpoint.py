"""Checkpoints: a folder of safetensors + JSON, never pickle.

Layout:
    checkpoint.json      format tag, config, step, content hash, optimizer hyper-parameters, RNG state
    model.safetensors    model weights
    state.safetensors    optional: Adam moments and the torch RNG state (for resuming)

The content hash (16 hex digits) covers the model config and the weights only, so a model
shipped without optimizer state keeps its hash; latent EventSets record it as `model_hash`.
Any other file in the folder (e.g. a `.pt` pickle) is ignored, and a folder with no
`model.safetensors` is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from eventcodec.errors import EventCodecError
from eventcodec.fileio import write_atomic, write_bytes_atomic
from eventcodec.model.config import Config

FORMAT = "eventcodec-checkpoint"
VERSION = 1
META_NAME = "checkpoint.json"
MODEL_NAME = "model.safetensors"
STATE_NAME = "state.safetensors"


class CheckpointError(EventCodecError):
    """A checkpoint that is missing, malformed, or whose weights do not match its hash."""


@dataclass
class Checkpoint:
    """A loaded checkpoint; `optimizer_state` and `torch_rng` are empty when not saved."""

    config: Config
    weights: dict[str, torch.Tensor]
    step: int = 0
    hash: str = ""
    optimizer_state: dict[str, Any] = field(default_factory=dict)
    torch_rng: torch.Tensor | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def content_hash(config: Config, weights: dict[str, torch.Tensor]) -> str:
    """16-hex-digit SHA-256 of the model config and every weight's name, dtype, shape and bytes."""
    h = hashlib.sha256(json.dumps(config.to_json()["model"], sort_keys=True).encode())
    for name in sorted(weights):
        t = weights[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:16]


def _flatten_optimizer(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """torch optimizer state_dict -> (tensors for safetensors, JSON-able rest)."""
    tensors, scalars = {}, {}
    for pid, per_param in state["state"].items():
        for key, value in per_param.items():
            if isinstance(value, torch.Tensor):
                tensors[f"opt.{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{key}"] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        if name.startswith("opt."):
            _, pid, key = name.split(".", 2)
            state.setdefault(int(pid), {})[key] = value
    for name, value in meta.get("scalars", {}).items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def save_checkpoint(
    folder: str | os.PathLike[str],
    config: Config,
    weights: dict[str, torch.Tensor],
    step: int = 0,
    optimizer_state: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> str:
    """Write a checkpoint folder (created if needed); files are written atomically. Returns the hash.

    Args:
        weights: the model's state_dict.
        optimizer_state: `optimizer.state_dict()`; with it the torch RNG state is saved too.
        extra: JSON-able values restored as `Checkpoint.extra` (e.g. the data sampler's RNG state).
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().contiguous() for k, v in weights.items()}
    digest = content_hash(config, weights)
    meta: dict[str, Any] = {"format": FORMAT, "version": VERSION, "hash": digest, "step": step,
                            "config": config.to_json(), "extra": extra or {}}
    write_atomic(out / MODEL_NAME, lambda tmp: save_file(weights, tmp))
    if optimizer_state is not None:
        tensors, opt_meta = _flatten_optimizer(optimizer_state)
        tensors["rng.torch"] = torch.get_rng_state()
        meta["optimizer"] = opt_meta
        write_atomic(out / STATE_NAME, lambda tmp: save_file(tensors, tmp))
    write_bytes_atomic(out / META_NAME, json.dumps(meta, indent=1, sort_keys=True).encode())
    return digest


def load_checkpoint(folder: str | os.PathLike[str], with_state: bool = True) -> Checkpoint:
    """Read a checkpoint folder (or its `model.safetensors`); verifies the content hash.

    Raises:
        CheckpointError: missing files, wrong format, or weights that do not match the hash.
    """
    path = Path(folder)
    if path.is_file():
        if path.name != MODEL_NAME:
            raise CheckpointError(f"{path} is not a checkpoint: give its folder (only safetensors + JSON are read)")
        path = path.parent
    if not (path / META_NAME).is_file() or not (path / MODEL_NAME).is_file():
        raise CheckpointError(f"{path} is not a checkpoint folder (needs {META_NAME} and {MODEL_NAME})")
    try:
        meta = json.loads((path / META_NAME).read_text())
        weights = load_file(path / MODEL_NAME)
    except (OSError, ValueError, SafetensorError) as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path / META_NAME} is not an eventcodec checkpoint")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"checkpoint version {meta.get('version')} is not supported (want {VERSION})")
    config = Config.from_json(meta["config"])
    digest = content_hash(config, weights)
    if digest != meta.get("hash"):
        raise CheckpointError(f"checkpoint {path} is corrupt: weights hash {digest}, recorded {meta.get('hash')}")
    ckpt = Checkpoint(config=config, weights=weights, step=int(meta.get("step", 0)), hash=digest,
                      extra=dict(meta.get("extra", {})))
    if with_state and "optimizer" in meta and (path / STATE_NAME).is_file():
        try:
            tensors = load_file(path / STATE_NAME)
        except (OSError, SafetensorError) as e:
            raise CheckpointError(f"cannot read {path / STATE_NAME}: {e}") from None
        ckpt.optimizer_state = _unflatten_optimizer(tensors, meta["optimizer"])
        ckpt.torch_rng = tensors.get("rng.torch")
    return ckpt


# The model shipped in the wheel (configs/tiny.toml trained on CPU; see docs/model.md): the learned
# encoder's default when no checkpoint is named, as a codec ships its weights.
SHIPPED_MODEL_HASH = "fef6ebe53eac0463"


def search_dirs() -> list[Path]:
    """Folders searched for checkpoints by hash: the package's shipped models, then the user's."""
    user = os.environ.get("EVENTCODEC_MODELS") or str(Path.home() / ".cache" / "eventcodec" / "models")
    return [Path(__file__).resolve().parent.parent / "data" / "models", Path(user)]


def resolve(ref: str) -> Path:
    """A checkpoint folder from a path or a content hash (looked up in `search_dirs()`).

    Raises:
        CheckpointError: nothing found.
    """
    path = Path(ref).expanduser()
    if path.exists():
        return path
    for d in search_dirs():
        if (d / ref / MODEL_NAME).is_file():
            return d / ref
    where = ", ".join(str(d) for d in search_dirs())
    raise CheckpointError(f"no checkpoint {ref!r} (not a path, and no model with that hash in {where})")


def export_model(checkpoint: str | os.PathLike[str], dest_root: str | os.PathLike[str]) -> Path:
    """Copy a checkpoint's weights and config (no optimizer state) to `dest_root/<hash>/`; returns that folder."""
    ckpt = load_checkpoint(checkpoint, with_state=False)
    dest = Path(dest_root) / ckpt.hash
    save_checkpoint(dest, ckpt.config, ckpt.weights, ckpt.step, extra={"loss": ckpt.extra.get("loss")})
    return dest
