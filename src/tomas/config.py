"""Typed configuration: one dataclass field per YAML key and CLI flag.

YAML files mirror the dataclass nesting (``training.batch_size``); flags use the dotted
name (``--training.batch_size 64``) and win over the YAML. The spec's flat legacy flags
(``--batch_size 64``, ``--lr 2e-4``, ``--log_wandb`` ...) are translated to the dotted
names by ``LEGACY_FLAGS``. Parsing, type checks and unknown-key errors are jsonargparse's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

os.environ.setdefault("JSONARGPARSE_DEPRECATION_WARNINGS", "off")


# Default locations: the one place each is written (every command's default, relative to the working folder).
REGISTRY = "data/tool_registry/tools.json"
PROFILING = "data/profiling/profiling.csv"
ASSETS = "assets"
PLANNER_DIR = f"{ASSETS}/planner"
ENCODER_CHECKPOINT = f"{ASSETS}/pretrained_encoder.pt"
CONFIG_WEIGHTS = f"{ASSETS}/config_weights.pt"

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""The checkout the package is installed from (``pip install -e .``, as ``make setup`` does)."""


def shipped(path: str | Path) -> str:
    """A shipped file (``configs/...``, ``data/...``) by its repository-relative path: as given when it
    exists from the current folder (or is absolute), else the installed checkout's copy."""
    path = Path(path)
    if path.is_absolute() or path.exists() or not (PROJECT_ROOT / path).exists():
        return str(path)
    return str(PROJECT_ROOT / path)


@dataclass
class AugmentationConfig:
    mode: Literal["none", "jitter", "variation", "both"] = "none"
    """Augmentation: none, jitter (±5% numbers), variation (other templates) or both."""
    num_copies: int = 1
    """Samples per configuration (copy 0 is always the exact canonical description)."""
    jitter: float = 0.05
    """Largest relative change applied by jitter."""


@dataclass
class SourceDataConfig:
    tool_registry: str = REGISTRY
    """Tool registry JSON (list of {name, description})."""
    profiling_data: str = PROFILING
    """Profiling CSV; its row order defines the config ids."""


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
    num_soft_prompt: int = 0
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
class LLMChoice:
    llm_model: str = "smollm2"
    """'smollm2' (embedded default), 'tiny' (random test model), an HF id or a local path."""


@dataclass
class ModelConfig(LLMChoice):
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    prefix: PrefixConfig = field(default_factory=PrefixConfig)


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


@dataclass
class TrainingConfig(OptimConfig):
    """Phase 0 runs in stages that end on targets, not on epoch counts: anchor (encoder alone, until every
    slot of every configuration is right) -> lm (until a sampled teacher-forced check is all right) ->
    check (all configurations) -> repair (steps on the configurations still wrong, plus replay)."""

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
    max_steps: int = 600
    """LM stage: at most this many optimizer steps (the learning-rate schedule spans them)."""
    num_epochs: int = 100
    """LM stage: at most this many passes over the samples (whichever cap comes first)."""
    check_every_steps: int = 25
    """LM stage: write a metrics record every N steps, with a sampled teacher-forced check once the loss
    is below target_loss."""
    check_size: int = 64
    """Configurations in each sampled check (a fresh random sample every time)."""
    target_loss: float = 0.05
    """Sampled checks start once the mean LM loss since the last one is below this; the LM stage ends when
    a check reaches target_exact_match."""
    target_exact_match: float = 1.0
    """Fraction of configurations that must be reproduced exactly (sampled check, then all of them)."""
    repair_rounds: int = 2
    """After the full check: at most this many rounds of repair_steps on the configurations still wrong, each
    ending in a recheck and, when that finds none wrong, a full check (0 = none: the run ends at the first full
    check, 100% or not; the summary says which)."""
    repair_steps: int = 20
    """Optimizer steps per repair round: a quarter of each batch is still-wrong configurations, half the
    ones nearest to going wrong at the full check (smallest margins), the rest replay."""
    repair_learning_rate: float = 1.0e-3
    """Learning rate of a repair round, decaying linearly to 0 over its steps: small, because the soft
    prompt it moves is shared by every configuration (a larger rate fixes one and breaks others)."""
    checkpoint_freq: int = 10
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


PRETRAIN_YAML = "configs/pretrain_encoder.yaml"
"""The shipped Phase 0 recipe: the defaults of `tomas pretrain`, `tomas run` and `tomas bench`."""
PLANNER_YAML = "configs/train_planner.yaml"
"""The shipped planner preset: the defaults of `tomas train`, `tomas probe-planner` and `tomas run`."""


@dataclass
class PretrainConfig:
    """Phase 0: self-encoding pre-training of the resource encoder."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    output_dir: str = "assets"
    """Where checkpoints, metrics and plots are written."""


@dataclass
class PlannerDataConfig(SourceDataConfig):
    tools: list[str] | None = None
    """Only these tools' configurations, as in the Phase 0 run that exported the assets; null = all."""
    train_file: str = "data/planner/train.jsonl"
    """Planner training examples (``tomas data generate-planner``)."""
    val_file: str = "data/planner/val.jsonl"
    """Validation examples (their own held-out phrasings): every choice of checkpoint or preset is made on them."""
    test_file: str = "data/planner/test.jsonl"
    """Test examples (held-out phrasings), used by ``tomas evaluate-planner``."""
    assets_dir: str = "assets"
    """Phase 0 exports: config_weights.pt, config_lookup.json, tool_mask_map.json."""
    train_fraction: float = 1.0
    """Share of each tool's training examples used (a seeded draw): data-efficiency studies."""
    holdout_configs: float = 0.0
    """Share of each tool's configurations never seen as a training answer (a seeded draw): training examples
    whose label is one of them are dropped; evaluation reports those labels apart."""
    new_tool: str | None = None
    """(``tomas probe-planner``) Treat this tool as added after training: the decoder trains on the other
    tools (``assets_dir``: a Phase 0 export without it; its configurations come last in the profiling
    table), then gets it as ``tomas add-tool`` adds one, from ``new_tool_examples`` of its training examples;
    the report gives its requests' metrics apart."""
    new_tool_examples: int = 50
    """Training examples of ``new_tool`` its tool-head row is fitted on (0 = none: only its rows are added)."""
    new_tool_encoder: str = ENCODER_CHECKPOINT
    """Phase 0 encoder (trained without ``new_tool``) that gives its configurations their rows."""


@dataclass
class LoraSettings:
    r: int = 16
    """LoRA rank."""
    alpha: float = 32.0
    """LoRA scaling numerator (scale = alpha / r)."""
    dropout: float = 0.0
    """Dropout on the LoRA branch."""
    target_modules: list[str] = field(default_factory=lambda: ["q_proj", "v_proj"])
    """Module names LoRA adapts; [all-linear]: every linear layer of the blocks, whatever the architecture
    calls them (peft's shorthand; e.g. a BERT-like reader's query/key/value/dense)."""
    top_layers: int = 0
    """LoRA only in the last N transformer blocks (0 = every block): the backward pass stops below them, so a
    step costs less (the blocks below run forward only)."""


@dataclass
class PlannerModelConfig(LLMChoice):
    lora: LoraSettings = field(default_factory=LoraSettings)
    config_head_init: Literal["phase0", "random", "tool_mean", "features"] = "phase0"
    """config_head rows: Phase 0's config_weights.pt, random, each tool's mean Phase 0 row (ablation), or a
    fixed random projection of each configuration's fields (``models.planner.feature_rows``: a baseline)."""
    config_head: Literal["rows", "live"] = "live"
    """live: the rows stay as initialised and a trainable map of the prompt state scores them, so what the
    planner learns on some configurations carries to every other one through their rows (+18 points of
    plan accuracy over rows with Phase 0's rows: docs/phase0_value.md); rows: one trainable row per
    configuration, the spec's head (a configuration never seen as an answer only learns to lose)."""
    config_features: bool = True
    """Also rank each candidate by latency / meeting the budget / resource cost, weighed from the prompt."""
    preferences: bool = False
    """Read preferences in words ("leave most of the GPU free", ``data.planner.preferences``): a preference
    head says which one the request states, the feature scorer also ranks each candidate by the GPU and CPU
    cores it takes and is routed by that preference, and the plan reports it. For planner data that states
    preferences (``tomas data generate-planner --preference_share 0.3``); off by default, because such data
    costs plain requests plan accuracy (docs/phase0_value.md)."""
    out_of_scope: bool = True
    """A scope head says when no registered tool serves the request ("Book me a flight"): the plan is then
    ``tool: null`` with the reason. Trained on the training file's tool-null examples (``tomas data
    generate-planner --out_of_scope_share``)."""
    feature_scale: float = 10.0
    """Multiplier on the feature scorer's weights: deciding by rank needs weights of several units, which a
    zero-initialised head at head_learning_rate reaches in tens of steps instead of thousands (docs/planner.md)."""
    readout: Literal["last", "mean"] = "mean"
    """The one vector the decoder reads from the last layer: the mean over the prompt's tokens, or the
    state of its last token (mean generalises better to unseen phrasings: docs/planner.md)."""
    config_loss_weight: float = 1.0
    """λ in loss = CE(tool) + λ·(CE(config) + CE(input size))."""
    head_learning_rate: float = 2.0e-3
    """Learning rate of the two heads (LoRA uses training.learning_rate)."""
    config_pick: Literal["rule", "head"] = "rule"
    """Planning only: which allowed configuration of the tool and input size read becomes the plan.
    ``rule`` = the oracle's rule (``oracle.choose_config``) over the profiled latencies, the free resources,
    the latency budget and the preference read: these are facts, so they are applied exactly; the config
    head still reads the input size (its mass per size). ``head`` = the config head's (and feature scorer's)
    argmax, learned. Chosen on validation (docs/planner.md)."""
    size_reader: Literal["numbers", "off"] = "numbers"
    """Planning only: ``numbers`` = a size the request states as a number ("12 MP", "6,000 words") is read
    exactly through the registry's ``input_sizes`` and decides (numbers in several classes narrow the learned
    reading); ``off`` = the learned reading alone. The input's facts decide either way (chosen on
    validation: docs/planner.md)."""


@dataclass
class PlannerTrainingConfig(OptimConfig):
    max_steps: int = 600
    """Optimizer steps (the data is cycled in seeded shuffled epochs)."""
    eval_every_steps: int = 100
    """Evaluate tool/config accuracy on the validation file every N steps (0 = only at the end)."""
    eval_limit: int = 0
    """Evaluate on at most this many validation examples (0 = all)."""


@dataclass
class PlannerConfig:
    """Phase 3/4: train the planner (frozen LLM + LoRA + HierarchicalDecoder) on task -> (tool, config)."""

    data: PlannerDataConfig = field(default_factory=PlannerDataConfig)
    model: PlannerModelConfig = field(default_factory=PlannerModelConfig)
    training: PlannerTrainingConfig = field(default_factory=PlannerTrainingConfig)
    output_dir: str = PLANNER_DIR
    """Where the planner checkpoint, metrics and plots are written."""

LEGACY_FLAGS: dict[str, str] = {
    "--tool_registry": "--data.tool_registry",
    "--profiling_data": "--data.profiling_data",
    "--llm_model": "--model.llm_model",
    "--batch_size": "--training.batch_size",
    "--num_epochs": "--training.num_epochs",
    "--lr": "--training.learning_rate",
    "--target_loss": "--training.target_loss",
    "--augmentation_mode": "--data.augmentation.mode",
    "--num_augmented_copies": "--data.augmentation.num_copies",
    "--checkpoint_freq": "--training.checkpoint_freq",
    "--device": "--training.device",
    "--seed": "--training.seed",
    "--resume": "--training.resume",
}
"""The spec's flat flags that take a value -> dotted flag."""

LEGACY_SWITCHES: dict[str, tuple[str, str, str]] = {
    "--log_wandb": ("--logging.wandb.enabled", "true", "false"),
    "--fp16": ("--training.mixed_precision", "fp16", "no"),
    "--bf16": ("--training.mixed_precision", "bf16", "no"),
}
"""The spec's flat on/off flags -> (dotted flag, value when on, value for ``--flag=false``)."""

FALSE_WORDS = ("false", "0", "no", "off")


def translate_legacy(argv: list[str]) -> list[str]:
    """Rewrite legacy flat flags (``--lr 1e-4``, ``--lr=1e-4``, ``--fp16``) to dotted ones."""
    out: list[str] = []
    for arg in argv:
        name, eq, value = arg.partition("=")
        if name in LEGACY_SWITCHES:
            flag, on, off = LEGACY_SWITCHES[name]
            out.extend([flag, off if eq and value.lower() in FALSE_WORDS else on])
        elif name in LEGACY_FLAGS:
            out.extend([LEGACY_FLAGS[name], value] if eq else [LEGACY_FLAGS[name]])
        else:
            out.append(arg)
    return out


def build_parser(config_cls: type, default_config: str | None = None, description: str = ""):
    """A jsonargparse parser for ``config_cls`` with ``--config FILE.yaml``."""
    from jsonargparse import ActionConfigFile, ArgumentParser, set_parsing_settings

    set_parsing_settings(docstring_parse_attribute_docstrings=True)
    parser = ArgumentParser(description=description, exit_on_error=False,
                            default_config_files=[default_config] if default_config else None)
    parser.add_argument("--config", action=ActionConfigFile, help="YAML configuration file.")
    parser.add_class_arguments(config_cls, nested_key=None, as_group=False)
    return parser


def parse_config(config_cls: type, argv: list[str], default_config: str | None = None):
    """Parse ``argv`` (YAML + overrides + legacy flags) into ``(config, config_file)``.

    Raises ``TomasError`` with jsonargparse's message on unknown keys or wrong types.
    """
    from tomas.errors import TomasError

    default_config = shipped(default_config) if default_config else None
    parser = build_parser(config_cls, default_config, config_cls.__doc__ or "")
    try:
        ns = parser.parse_args(translate_legacy(argv))
    except Exception as e:  # jsonargparse raises argparse.ArgumentError
        raise TomasError(" ".join(str(e).split())) from None
    files = ns.pop("config", None) or []
    used = str(files[-1]) if files else (default_config if default_config and Path(default_config).is_file() else None)
    ns.pop("__default_config__", None)
    cfg = parser.instantiate_classes(ns)
    return config_cls(**{k: cfg[k] for k in cfg.keys() if "." not in k}), used


def from_dict(cls: type, values: dict):
    """Rebuild a (nested) config dataclass from ``dataclasses.asdict`` output (checkpoints)."""
    import dataclasses
    import typing

    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name not in values:
            continue
        value = values[f.name]
        kwargs[f.name] = from_dict(hints[f.name], value) if dataclasses.is_dataclass(hints[f.name]) else value
    return cls(**kwargs)
