"""Parameter counts by module, for comparing a config with the paper's 45.1M."""

from __future__ import annotations

from torch import nn

from eventcodec.model.config import Config
from eventcodec.model.model import EventModel


def count(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def parameter_table(config: Config) -> str:
    """A text table: encoder parts, each head, total."""
    model = EventModel(config.model)
    rows = [("encoder.input (1x1 conv)", count(model.encoder.inp))]
    rows += [(f"encoder.block{i} (dilation {b.dilation})", count(b)) for i, b in enumerate(model.encoder.blocks)]
    rows += [("encoder.mix + heads (1x1 convs)",
              count(model.encoder.mix) + count(model.encoder.to_vector) + count(model.encoder.to_switch))]
    rows += [(f"decoder.head{i} ({len(g)} controls)", count(h))
             for i, (h, g) in enumerate(zip(model.heads.heads, model.heads.groups, strict=True))]
    rows += [("encoder total", count(model.encoder)), ("decoder heads total", count(model.heads)),
             ("total", count(model))]
    width = max(len(r[0]) for r in rows)
    lines = [f"config {config.name}: parameters by module (the paper's model: 45,101,437)"]
    lines += [f"  {name:<{width}}  {n:>12,}" for name, n in rows]
    return "\n".join(lines)
