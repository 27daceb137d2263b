"""Phase 0 (self-encoding pre-training): ``tomas pretrain``, ``tomas run``, ``tomas bench``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from tomas.config.common import LLMChoice, OptimConfig, SourceDataConfig
from tomas.config.paths import ASSETS


@dataclass
class AugmentationConfig:
    mode: Literal["none", "jitter", "variation", "both"] = "none"
    """Augmentation: none, jitter (±5% numbers), variation (other templates) or both."""
    num_copies: int = 1
    """Samples per configuration (copy 0 is always the exact canonical description)."""
    jitter: float = 0.05
    """Largest relative change applied by jitter."""


@dataclass
class DataConfig(SourceDataConfig):
    tools: list[str] | None = None
    """Only these tools' configurations (a quick run); null = all."""
    augmentation: AugmentationConfig = field(default_factory=AugmentationConfig)


@dataclass
class EncoderConfig:
    num_heads: int = 8
    """Heads of the fusion self-attention (must divide the LLM's hidden size)."""
    mlp_hidden: int = 1024
    """Width of the ResourceMLP's hidden layer."""
    num_frequencies: int = 8
    """Fourier frequencies per standardised resource value (0 = off)."""
    digit_features: bool = True
    """Add one-hot decimal digits of each number (lets exact values be read back)."""
    linear_skip: bool = True
    """Stream B adds a linear path from the features to its output (exact values are read back much faster)."""
    anchor_description: bool = False
    """Stream A pools the tool's description tokens too, not only its name."""


@dataclass
class PrefixConfig:
    """How the one encoder vector is shown to the frozen LLM during pre-training."""

    num_slots: int = 0
    """Input slots the vector is expanded to (0 = as many as the longest value anchor)."""
    prompt: str = (
        "<|endoftext|>Values: example_tool small 1 2 10 1 100\nDescription:\nTool example_tool configuration: "
        "input size small, requires 1 CPU core, 2 GB memory, 10 GPU SMs, 1 GB GPU memory, and latency is 100 ms.\n"
        "Values: another_tool large 16 32 0 0 73925\nDescription:\nTool another_tool configuration: input size "
        "large, requires 16 CPU cores, 32 GB memory, 0 GPU SMs, 0 GB GPU memory, and latency is 73925 ms.\n"
        "Values:{slots}\nDescription:\n")
    """Fixed text around the slots; ``{slots}`` marks where they go. The text before the
    slots is computed once and cached, so a worked example in it costs nothing per step."""
    num_soft_prompt: int = 16
    """Trainable shared soft-prompt vectors placed before the slots."""
    num_soft_suffix: int = 0
    """Trainable shared soft-prompt vectors placed right after the slots (before the text after them)."""
    slot_mode: Literal["row", "free", "vocab", "fields"] = "fields"
    """row: the row itself is the one slot, with no expander (the exported row alone is read back; the LM loss
    trains the encoder and the soft prompts); fields: the row names every field of the value string (tool,
    size, each character of each number) and the slots are that string's tokens; vocab: one value-token
    classifier per slot position (+ a free residual unless snap_slots); free: slots are any vectors."""
    expander_hidden: int = 1024
    """Hidden width of the slot expander (one vector -> num_slots vectors)."""
    anchor_weight: float = 1.0
    """Weight of the auxiliary loss tying each slot to a value token (0 = off)."""
    snap_slots: bool = True
    """vocab mode (fields mode always snaps): each slot IS the embedding of its most likely value token (the
    frozen LLM reads real tokens); the anchor stage trains the encoder, the LM stage only the shared soft
    prompt (the copy).
    False: slots stay soft mixtures + residual and the LM loss trains the encoder too (slow)."""


@dataclass
class ModelConfig(LLMChoice):
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    prefix: PrefixConfig = field(default_factory=PrefixConfig)


@dataclass
class TrainingConfig(OptimConfig):
    """Phase 0 runs in stages that end on targets, not on epoch counts: anchor (encoder alone, until every
    slot of every configuration is right) -> lm (until a sampled teacher-forced check is all right) ->
    check (all configurations) -> repair (steps on the configurations still wrong, plus replay)."""

    learning_rate: float = 1.0e-2
    """Peak rate of the LM stage (the soft prompts; a high rate: they learn to copy in ~200 steps)."""
    warmup_steps: int = 0
    """LM stage: linear warm-up steps (none: the encoder arrives trained by the anchor stage)."""
    anchor_batch_size: int = 64
    """Anchor stage: configurations per step (no LLM involved, so large and cheap)."""
    anchor_learning_rate: float = 2.0e-3
    """Anchor stage: peak AdamW learning rate of the encoder and slot expander (linear decay over the cap)."""
    anchor_max_steps: int = 1500
    """Anchor stage: steps on random batches, the rate decaying over them (then the polish steps, if needed)."""
    anchor_polish_steps: int = 1000
    """Anchor stage, after anchor_max_steps: at most this many more steps at the decayed rate, each batch holding
    the configurations with a wrong slot (a wrong slot is a wrong read-back: the LM stage cannot fix it); the
    stage ends as soon as every slot is right. 0 = off (docs/phase0.md, "The staged recipe")."""
    anchor_check_every: int = 50
    """Anchor stage: check every slot of every configuration every N steps (cheap: no LLM)."""
    encoder_learning_rate: float | None = None
    """LM stage, when the LM loss trains the encoder too (row mode): its peak rate (None = learning_rate, the
    soft prompts' rate)."""
    max_steps: int = 200
    """LM stage: at most this many optimizer steps (the learning-rate schedule spans them)."""
    num_epochs: int = 100
    """LM stage: at most this many passes over the samples (whichever cap comes first)."""
    check_every_steps: int = 25
    """LM stage: write a metrics record every N steps, with a sampled teacher-forced check once the loss
    is below target_loss."""
    check_size: int = 64
    """Configurations in each sampled check (a fresh random sample every time)."""
    target_loss: float = 0.005
    """Sampled checks start once the mean LM loss since the last one is below this; the LM stage ends when
    a check reaches target_exact_match."""
    target_exact_match: float = 1.0
    """Fraction of configurations that must be reproduced exactly (sampled check, then all of them)."""
    repair_rounds: int = 10
    """After the full check: at most this many rounds of repair_steps on the configurations still wrong, each
    ending in a recheck and, when that finds none wrong, a full check. Rounds go on until a full check is 100%
    or this cap or max_train_s stops them (0 = none: the run ends at the first full check, 100% or not; the
    summary says which)."""
    max_train_s: float = 1200.0
    """Time cap (training wall seconds, checks included): no repair round starts after it; the run then ends
    and exports the best full check (0 = no cap). On a 2-core CPU, 1701 configurations reach their first full
    check in ~10 min; a round takes ~1.3 min and a full check ~2.5 min."""
    repair_steps: int = 20
    """Optimizer steps per repair round: a quarter of each batch is still-wrong configurations, half the
    ones nearest to going wrong at the full check (smallest margins first), the rest replay."""
    recheck_size: int = 256
    """Each repair round's recheck covers the still-wrong configurations, this many right ones with the smallest
    margins at the last full check (where a repair breaks one, if anywhere) and a fresh sample of check_size;
    only a clean recheck is followed by a full check (~25 s against ~150 s for 1701 on a 2-core CPU)."""
    repair_learning_rate: float = 1.0e-3
    """Learning rate of a repair round, decaying linearly to 0 over its steps: small, because the soft
    prompt it moves is shared by every configuration (a larger rate fixes one and breaks others). It is the
    soft prompts' rate; where the LM loss trains the encoder too (row mode), the encoder keeps its share of the LM
    schedule's peak rates (encoder_learning_rate / learning_rate, as the run's schedule holds them)."""
    checkpoint_freq: int = 0
    """Write assets/encoder_checkpoint_epoch{N}.pt every N passes of the LM stage (0 = off)."""


@dataclass
class WandbConfig:
    enabled: bool = False
    """Log to Weights & Biases (offline mode unless WANDB_MODE says otherwise)."""
    project: str = "tomas-encoder-pretrain"
    """W&B project."""
    entity: str | None = None
    """W&B entity (user or team)."""


@dataclass
class LoggingConfig:
    wandb: WandbConfig = field(default_factory=WandbConfig)
    tensorboard: bool = False
    """Also write TensorBoard event files (needs the tensorboard package)."""


@dataclass
class PretrainConfig:
    """Phase 0: self-encoding pre-training of the resource encoder."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    output_dir: str = ASSETS
    """Where checkpoints, metrics and plots are written."""
