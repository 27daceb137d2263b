"""Self-encoding pre-training samples: (tool id, 6-D resource vector) -> description tokens.

Augmentation modes:
- ``none``: the canonical description of every configuration, ``num_copies`` times;
- ``jitter``: numeric fields scaled by a random factor in ±``jitter`` (at least 1%), the
  description showing the jittered values exactly (rounded to the first precision at
  which the change is visible); input size is categorical and a 0 stays 0;
- ``variation``: a random template per copy (copy 0 keeps the canonical one);
- ``both``: jitter and variation.
Copy 0 of every configuration is always the exact canonical sample.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

import torch

from tomas.data.profiling import INPUT_SIZES, NUMERIC_FIELDS, Configuration
from tomas.data.templates import CANONICAL, TEMPLATES, format_number, render

AugmentationMode = Literal["none", "jitter", "variation", "both"]


@dataclass
class PretrainSample:
    config_id: int
    tool_id: int
    resources: list[float]
    """``[input_size code, cpu_cores, memory_gb, gpu_sm, gpu_memory_gb, latency_ms]``"""
    template_id: int
    text: str
    target_ids: list[int]
    """Description tokens followed by the end-of-sequence token."""


def jitter_value(value: float, rng: random.Random, scale: float = 0.05) -> float:
    """Scale ``value`` by 1 ± u (1% <= u <= ``scale``), rounded so the change stays visible."""
    if value == 0:
        return 0.0
    u = rng.uniform(0.01, scale) * rng.choice((-1, 1))
    raw = value * (1 + u)
    # Never round more coarsely than the value itself is written (else 0.5 * 1.03 -> 1).
    for decimals in range(len(format_number(value).partition(".")[2]), 7):
        rounded = round(raw, decimals)
        if rounded != value and rounded > 0:
            return float(rounded)
    return raw


def fields_of(config: Configuration) -> dict:
    return {"tool": config.tool, "input_size": config.input_size,
            **{f: getattr(config, f) for f in NUMERIC_FIELDS}}


def make_samples(configs: list[Configuration], tool_names: list[str], tokenizer,
                 mode: AugmentationMode = "none", num_copies: int = 1, seed: int = 0,
                 jitter: float = 0.05) -> list[PretrainSample]:
    """All ``len(configs) * num_copies`` samples, tokenised once."""
    if num_copies < 1:
        raise ValueError("num_copies must be >= 1")
    rng = random.Random(seed)
    eos = tokenizer.eos_token_id
    samples: list[PretrainSample] = []
    for copy in range(num_copies):
        for config in configs:
            fields = fields_of(config)
            template_id = CANONICAL
            if copy > 0 and mode in ("jitter", "both"):
                fields.update({f: jitter_value(fields[f], rng, jitter) for f in NUMERIC_FIELDS})
            if copy > 0 and mode in ("variation", "both"):
                template_id = rng.randrange(len(TEMPLATES))
            text = render(fields, template_id)
            resources = [float(INPUT_SIZES.index(fields["input_size"]))] + [float(fields[f]) for f in NUMERIC_FIELDS]
            ids = tokenizer(text, add_special_tokens=False)["input_ids"] + [eos]
            samples.append(PretrainSample(config.config_id, tool_names.index(config.tool), resources,
                                          template_id, text, ids))
    return samples


def collate(samples: list[PretrainSample], pad_id: int) -> dict[str, torch.Tensor]:
    """Stack a batch; targets are right-padded with ``pad_id`` and a 0/1 mask."""
    length = max(len(s.target_ids) for s in samples)
    targets = torch.full((len(samples), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(samples), length), dtype=torch.bool)
    for i, s in enumerate(samples):
        targets[i, : len(s.target_ids)] = torch.tensor(s.target_ids)
        mask[i, : len(s.target_ids)] = True
    return {
        "config_id": torch.tensor([s.config_id for s in samples]),
        "tool_id": torch.tensor([s.tool_id for s in samples]),
        "resources": torch.tensor([s.resources for s in samples], dtype=torch.float32),
        "template_id": torch.tensor([s.template_id for s in samples]),
        "target_ids": targets,
        "target_mask": mask,
    }
