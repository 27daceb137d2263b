"""Typed configuration: one dataclass field per YAML key and CLI flag, for every command.

YAML files mirror the dataclass nesting (``training.batch_size``); flags use the dotted
name (``--training.batch_size 64``) and win over the YAML. The spec's flat legacy flags
(``--batch_size 64``, ``--lr 2e-4``, ``--log_wandb`` ...) are translated to the dotted
names by ``LEGACY_FLAGS``. Parsing, type checks and unknown-key errors are jsonargparse's.

Modules: ``paths`` (default locations), ``common``, ``phase0`` and ``planner`` (training configs),
``commands`` (the other commands' arguments), ``parsing`` (YAML + flags -> a config).
"""

from __future__ import annotations

from tomas.config.common import LLMChoice, OptimConfig, SourceDataConfig
from tomas.config.parsing import (
                                  FALSE_WORDS,
                                  LEGACY_FLAGS,
                                  LEGACY_SWITCHES,
                                  build_parser,
                                  from_dict,
                                  nearest,
                                  parse_config,
                                  translate_legacy,
)
from tomas.config.paths import (
                                  ASSETS,
                                  CONFIG_WEIGHTS,
                                  DEV_FILE,
                                  ENCODER_CHECKPOINT,
                                  HAND_FILE,
                                  HAND_FILES,
                                  PLANNER_DATA,
                                  PLANNER_DIR,
                                  PLANNER_YAML,
                                  PRETRAIN_YAML,
                                  PROFILES,
                                  PROFILING,
                                  PROJECT_ROOT,
                                  REGISTRY,
                                  shipped,
)
from tomas.config.phase0 import (
                                  AugmentationConfig,
                                  DataConfig,
                                  EncoderConfig,
                                  LoggingConfig,
                                  ModelConfig,
                                  PrefixConfig,
                                  PretrainConfig,
                                  TrainingConfig,
                                  WandbConfig,
)
from tomas.config.planner import (
                                  LoraSettings,
                                  PlannerConfig,
                                  PlannerDataConfig,
                                  PlannerModelConfig,
                                  PlannerTrainingConfig,
)

__all__ = [
    "ASSETS", "AugmentationConfig", "CONFIG_WEIGHTS", "DEV_FILE", "DataConfig", "ENCODER_CHECKPOINT", "EncoderConfig",
    "FALSE_WORDS", "HAND_FILE", "HAND_FILES", "LEGACY_FLAGS", "LEGACY_SWITCHES", "LLMChoice", "LoggingConfig",
    "LoraSettings", "ModelConfig", "OptimConfig", "PLANNER_DATA", "PLANNER_DIR", "PLANNER_YAML", "PRETRAIN_YAML",
    "PROFILES", "PROFILING", "PROJECT_ROOT", "PlannerConfig", "PlannerDataConfig", "PlannerModelConfig",
    "PlannerTrainingConfig", "PrefixConfig", "PretrainConfig", "REGISTRY", "SourceDataConfig", "TrainingConfig",
    "WandbConfig", "build_parser", "from_dict", "nearest", "parse_config", "shipped", "translate_legacy",
]
