"""Compare planners trained on different data on the validation requests whose size cue none of them trained on.

``python experiments/compare_unseen_cues.py --planners A B --train_files A.jsonl B.jsonl --val_files V1.jsonl V2.jsonl
--output FILE.json``

Two data recipes hold out different cues, so each one's own validation score measures it on another sample of
cues. This pools the validation files, keeps the requests whose cue (the bank cue in the task; a numeric cue of
the generator otherwise) appears in no training file given, and scores every planner on exactly those (size read
per the planner's ``model.size_reader``), overall and for the requests whose size is stated in words only.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from tomas.data import load_tool_data
from tomas.data.planner import load_planner_examples, phrasings
from tomas.data.size_reader import read_quantities
from tomas.eval.planner import example_hints, planner_metrics, predict_examples
from tomas.io import save_json


def cue_of(task: str, cues: list[str]) -> str | None:
    """The longest bank cue the task contains (None: a numeric cue of the generator)."""
    found = [c for c in cues if re.search(rf"\b{re.escape(c.lower())}\b", task.lower())]
    return max(found, key=len) if found else None


def main(argv: list[str] | None = None) -> int:
    from tomas.inference import load_planner

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--planners", nargs="+", required=True)
    p.add_argument("--train_files", nargs="+", required=True)
    p.add_argument("--val_files", nargs="+", required=True)
    p.add_argument("--output", required=True)
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
    bank = sorted({c for t in data.tools for cues in phrasings(t).cues.values() for c in cues}, key=len, reverse=True)
    trained = " \n ".join(Path(f).read_text().lower() for f in args.train_files)
    pooled, seen_tasks = [], set()
    for f in args.val_files:
        for e in load_planner_examples(f, data):
            cue = cue_of(e.task, bank)
            if cue is None or e.task in seen_tasks or re.search(rf"\b{re.escape(cue.lower())}\b", trained):
                continue
            seen_tasks.add(e.task)
            pooled.append(e)
    words_only = [i for i, e in enumerate(pooled) if not read_quantities(e.task)]
    print(f"{len(pooled)} validation requests with a cue no training file has ({len(words_only)} in words only)")
    report = {"planners": {}, "num_requests": len(pooled), "num_words_only": len(words_only), "args": vars(args)}
    for folder in args.planners:
        planner = load_planner(folder, "cpu")
        hints = example_hints(pooled, data.tools, planner.table, planner.cfg.model.size_reader)
        choices = predict_examples(planner.model, planner.tokenizer, pooled, planner.device, hints=hints)
        m = planner_metrics(pooled, choices, planner.table)
        w = planner_metrics([pooled[i] for i in words_only], [choices[i] for i in words_only], planner.table)
        row = {"tool_accuracy": m["tool_accuracy"], "plan_accuracy": m["plan_accuracy"],
               "words_only_plan_accuracy": w["plan_accuracy"],
               "words_only_size_accuracy": sum(choices[i].input_size == pooled[i].input_size
                                               for i in words_only) / max(1, len(words_only))}
        report["planners"][folder] = row
        print(f"{folder}: " + " · ".join(f"{k} {v:.1%}" for k, v in row.items()))
    save_json(report, Path(args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
