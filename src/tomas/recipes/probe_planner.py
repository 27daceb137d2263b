"""``tomas probe-planner``: train the HierarchicalDecoder alone on the frozen LLM's cached hidden states
(seconds instead of a LoRA run): a quick check of decoder-side changes. The trainer is
``tomas.training.probe``; its report goes to ``<output_dir>/probe/probe_report.json``."""

from __future__ import annotations

import sys

from tomas.config import PLANNER_YAML, PlannerConfig, parse_config
from tomas.training.probe import probe


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, _ = parse_config(PlannerConfig, argv, PLANNER_YAML, prog="tomas probe-planner")
    probe(cfg)
    return 0
