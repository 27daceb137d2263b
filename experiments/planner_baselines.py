"""Baselines beside the planner: TF-IDF and a frozen sentence encoder, each + logistic regression for the tool and
the input size, the same size reader and oracle, on validation, test and the hand-written sets (the two tests and
the validation one).

``python experiments/planner_baselines.py --output_dir docs/results/planner_issue22/baselines [--readers tfidf minilm]``

Writes ``OUT/<reader>.json`` ({size mode: {split: metrics}}, the planner's metrics: ``eval.planner``) and prints
one line per reader, mode and split. Logistic regression on fixed features is deterministic: one run each.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tomas.config import DEV_FILE
from tomas.data import load_tool_data
from tomas.data.planner import HAND_FILES, load_handwritten, load_planner_examples
from tomas.eval.baselines import READERS, fit_baseline, score_baseline
from tomas.eval.planner import SIZE_MODES
from tomas.io import save_json
from tomas.models.config_table import ConfigTable
from tomas.recipes.evaluate_planner import size_stated


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--output_dir", required=True)
    p.add_argument("--readers", nargs="+", choices=READERS, default=list(READERS))
    p.add_argument("--size_modes", nargs="+", choices=SIZE_MODES, default=list(SIZE_MODES))
    p.add_argument("--tool_registry", default="data/tool_registry/tools.json")
    p.add_argument("--profiling_data", default="data/profiling/profiling.csv")
    p.add_argument("--data_dir", default="data/planner")
    p.add_argument("--assets_dir", default="assets", help="Phase 0 export: the configuration table the metrics read")
    p.add_argument("--hand_file", nargs="*", default=[*HAND_FILES, DEV_FILE])
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    data = load_tool_data(args.tool_registry, args.profiling_data)
    table = ConfigTable.from_assets(args.assets_dir)
    splits = {s: load_planner_examples(Path(args.data_dir) / f"{s}.jsonl", data) for s in ("train", "val", "test")}
    hands = {f: load_handwritten(f, data) for f in args.hand_file}
    for reader in args.readers:
        t0 = time.perf_counter()
        baseline = fit_baseline(reader, splits["train"])
        report: dict = {"reader": reader, "fit_wall_s": round(time.perf_counter() - t0, 1),
                        "train_file": str(Path(args.data_dir) / "train.jsonl")}
        for mode in args.size_modes:
            rows = {s: score_baseline(baseline, splits[s], data, table, mode) for s in ("val", "test")}
            rows |= {f: score_baseline(baseline, ex, data, table, mode, size_stated(f), hand=True)
                     for f, ex in hands.items()}
            report[mode] = rows
            for name, r in rows.items():
                print(f"{reader:>6} {mode:>7} {name}: tool {r['tool_accuracy']:.1%} · plan {r['plan_accuracy']:.1%} · "
                      f"size given tool {r['size_accuracy_given_tool']:.1%}")
        save_json(report, Path(args.output_dir) / f"{reader}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
