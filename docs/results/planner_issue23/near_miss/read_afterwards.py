"""The test sets, read after the decision (never chosen on), from each run's planner_seeds.py summary: the test
split's out-of-scope recall, in-scope refusals, tool and plan accuracy, and the two hand-written test sets' tool,
plan and refusals, mean and std over seeds 0-2, in percent.
From the repository root: python docs/results/planner_issue23/near_miss/read_afterwards.py BASE_DIR CANDIDATE_DIR"""
import json
import statistics
import sys
from pathlib import Path

FIGURES = {"test": ("out_of_scope_recall", "in_scope_refused", "tool_accuracy", "plan_accuracy"),
           "hand": ("tool_accuracy", "plan_accuracy", "in_scope_refused"),
           "hand2": ("tool_accuracy", "plan_accuracy", "in_scope_refused")}


def figures(run: Path) -> dict:
    seeds = [r["numbers"] for r in json.loads((run / "summary.json").read_text())["runs"]]
    return {f"{s}_{k}": [round(100 * statistics.mean(n[s][k] for n in seeds), 1),
                         round(100 * statistics.stdev(n[s][k] for n in seeds), 1)]
            for s, keys in FIGURES.items() for k in keys}


print(json.dumps({Path(run).name: figures(Path(run)) for run in sys.argv[1:]}, indent=1))
