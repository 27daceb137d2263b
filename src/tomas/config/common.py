"""Settings shared by Phase 0 and the planner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tomas.config.paths import PROFILING, REGISTRY


@dataclass
class SourceDataConfig:
    tool_registry: str = REGISTRY
    """Tool registry JSON (list of {name, description})."""
    profiling_data: str = PROFILING
    """Profiling CSV; its row order defines the config ids."""


@dataclass
class LLMChoice:
    llm_model: str = "smollm2"
    """'smollm2' (embedded default), 'tiny' (random test model), an HF id or a local path."""


@dataclass
class OptimConfig:
    """Optimisation settings shared by every training stage."""

    batch_size: int = 8
    """Samples per optimizer step (per process); small batches = more updates per minute."""
    learning_rate: float = 5.0e-4
    """Peak AdamW learning rate."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    warmup_steps: int = 20
    """Linear warm-up steps before the schedule."""
    schedule: Literal["constant", "cosine", "linear"] = "linear"
    """Learning-rate schedule after warm-up."""
    min_lr_ratio: float = 0.05
    """Floor of the cosine/linear schedule as a fraction of learning_rate: where it decays to and stays.
    Resuming a finished schedule with a lower floor gives a low-rate polish phase (docs/phase0.md)."""
    grad_clip: float = 1.0
    """Global gradient-norm clip (0 = off)."""
    grad_accum: int = 1
    """Micro-batches per optimizer step."""
    mixed_precision: Literal["no", "fp16", "bf16"] = "no"
    """Autocast dtype on CUDA (ignored on CPU, where fp32 is faster)."""
    device: str = "auto"
    """auto, cpu or cuda."""
    seed: int = 0
    """One seed for data order, augmentation and initialisation."""
    resume: str | None = None
    """Resume from a state file ('auto' = the latest in output_dir)."""
    num_threads: int = 0
    """torch CPU threads (0 = leave torch's default)."""
    save_every_steps: int = 50
    """Write a resumable state every N optimizer steps (0 = off)."""
