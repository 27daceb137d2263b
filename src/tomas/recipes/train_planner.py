"""Phase 3/4: train the planner on task -> (tool, config).

setup (data, Phase 0 assets, frozen LLM + LoRA + HierarchicalDecoder) -> train (AdamW,
loss = CE(tool) + λ·(CE(config among the gold tool's fitting configs of the gold input size)
+ CE(input size)), validation accuracy, checkpoints, resume) -> save (LoRA + heads only).
"""

from __future__ import annotations

import shlex
import sys

from tomas.config import PLANNER_YAML, PlannerConfig, parse_config
from tomas.training.distributed import end_run, main_process_log, make_accelerator
from tomas.training.planner import PlannerTrainer, setup


def train_planner(cfg: PlannerConfig, config_file: str | None = None, log=print, command: str | None = None) -> dict:
    """``command``: how this training was started, for the planner's model card."""
    acc = make_accelerator(cfg.training)
    log = main_process_log(acc, log)
    log("=" * 80 + "\nTOMAS-LLM Planner Training\n" + "=" * 80)
    log(f"Config: {config_file}\nLLM Model: {cfg.model.llm_model}\nSteps: {cfg.training.max_steps} × batch "
        f"{cfg.training.batch_size}\nOutput: {cfg.output_dir}")
    s = setup(cfg, log, acc)
    log("Training the planner...")
    final = PlannerTrainer(s, log, command or f"tomas train --config {config_file or PLANNER_YAML}").fit()
    end_run(acc)
    log(f"Done: best planner in {cfg.output_dir}; "
        f"last validation tool {final.get('val_tool_accuracy', 0):.1%}, "
        f"config {final.get('val_config_accuracy', 0):.1%}")
    return final


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, config_file = parse_config(PlannerConfig, argv, PLANNER_YAML, prog="tomas train")
    train_planner(cfg, config_file, command="tomas train " + shlex.join(argv))
    return 0
