"""Phase 0: self-encoding pre-training of the resource encoder.

setup (data, frozen LLM, samples, encoder + prefix adapter) -> train (AdamW, early stop
at target loss AND target exact match, checkpoints, resume) -> save (best encoder).

Multi-process (``accelerate launch`` / ``torchrun``): see ``tomas.training.distributed`` and ``tomas.training.phase0``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

from tomas.artifacts.assets import BEST, METRICS
from tomas.config import PRETRAIN_YAML, PretrainConfig, parse_config
from tomas.io import save_jsonl
from tomas.training.distributed import end_run, main_process_log, make_accelerator, run_device, trackers
from tomas.training.phase0 import Phase0Trainer
from tomas.training.phase0_setup import setup


def header(cfg: PretrainConfig, config_file: str | None, device: torch.device) -> str:
    t, a = cfg.training, cfg.data.augmentation
    lines = ["=" * 80, "TOMAS-LLM Encoder Pre-training", "=" * 80, f"Config: {config_file}", f"Device: {device}",
             f"LLM Model: {cfg.model.llm_model}", f"Batch Size: {t.batch_size}", f"Learning Rate: {t.learning_rate}",
             f"Max LM steps: {t.max_steps} (or {t.num_epochs} passes)", f"Target Loss: {t.target_loss}",
             f"Target Exact Match: {t.target_exact_match:.0%}", f"Augmentation: {a.mode} (×{a.num_copies})", "=" * 80]
    return "\n".join(lines)


def pretrain(cfg: PretrainConfig, config_file: str | None = None, log=print) -> dict:
    acc = make_accelerator(cfg.training, trackers(cfg.logging), cfg.output_dir)
    log = main_process_log(acc, log)
    if config_file:
        log(f"Loading configuration from: {config_file}")
    log(header(cfg, config_file, run_device(cfg.training, acc)))
    trainer = Phase0Trainer(setup(cfg, log, acc), log)
    if cfg.training.resume:
        trainer.resume(cfg.training.resume)
    if acc.is_main_process:  # the metrics file always matches the run's history
        save_jsonl(trainer.history, Path(cfg.output_dir) / METRICS)
    first = "anchor stage, then " if trainer.anchor_weight > 0 else ""
    log(f"[4/5] Training: {first}at most {trainer.lm_steps} LM steps of {cfg.training.batch_size} "
        f"({trainer.steps_per_epoch} steps/pass)...")
    final = {**trainer.fit(), "target_reached": trainer.finished,  # the summary says whether the target was met
             "stopped_by": None if trainer.finished else trainer.repair_cap()}  # and if not, which cap stopped it
    del trainer
    end_run(acc)
    log(f"[5/5] Done: best checkpoint {Path(cfg.output_dir) / BEST}, metrics {Path(cfg.output_dir) / METRICS}")
    return final


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, config_file = parse_config(PretrainConfig, argv, PRETRAIN_YAML, prog="tomas pretrain")
    pretrain(cfg, config_file)
    return 0
