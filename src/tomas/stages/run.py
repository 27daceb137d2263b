"""Main job: validate -> pre-train -> export -> evaluate, on the configured model.

Takes the same flags as ``tomas pretrain`` (YAML + overrides). Interrupt it at any time:
running it again resumes from ``<output_dir>/train_state.pt``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tomas.config import PretrainConfig, parse_config
from tomas.stages import evaluate, export, pretrain


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cfg, config_file = parse_config(PretrainConfig, argv, pretrain.DEFAULT_CONFIG)
    if cfg.training.resume is None:
        cfg.training.resume = "auto"  # re-running the main job continues where it stopped
    out = Path(cfg.output_dir)
    print(f"Loading configuration from: {config_file}")
    pretrain.pretrain(cfg, config_file)
    print()
    export.export(str(out / pretrain.BEST), cfg.data.tool_registry, cfg.data.profiling_data, cfg.model.llm_model,
                  str(out), 64, cfg.training.device)
    print("\nEvaluating: greedy read-back of every configuration from its exported row...")
    r = evaluate.evaluate(str(out / pretrain.BEST), str(out / export.WEIGHTS), cfg.data.tool_registry,
                          cfg.data.profiling_data, cfg.model.llm_model, cfg.training.device, 64, None)
    print(f"\nExact match: {r['exact_match']:.2%} of {r['num_configs']} configurations "
          f"(training wall time {r['train_wall_s']:.0f} s)")
    print("Per field: " + ", ".join(f"{k} {v:.1%}" for k, v in r["per_field"].items()))
    print(f"Assets: {out}/ ({export.WEIGHTS}, {export.LOOKUP}, {export.MASK_MAP}, {pretrain.BEST}); "
          f"report {r['path']}")
    return 0
