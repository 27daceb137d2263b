"""The test sets read afterwards (never chosen on): test, hand and hand2 tool and plan accuracy per run (mean, std
over seeds 0-2), and how many of data/planner_dev's summary requests each seed sent to machine_translation.
python read_afterwards.py BASELINE_DIR CANDIDATE_DIR > tests_read_afterwards.json"""
import json
import statistics
import sys
from pathlib import Path

HAND = {"hand": "data/planner_handwritten/requests.jsonl", "hand2": "data/planner_handwritten2/requests.jsonl"}


def seed_figures(folder: Path) -> dict:
    report = json.loads((folder / "numbers/planner_eval_report.json").read_text())
    dev = json.loads((folder / "numbers/planner_dev_report.json").read_text())
    out = {"test_tool": 100 * report["tool_accuracy"], "test_plan": 100 * report["plan_accuracy"]}
    for name, path in HAND.items():
        out |= {f"{name}_tool": 100 * report["handwritten_sets"][path]["tool_accuracy"],
                f"{name}_plan": 100 * report["handwritten_sets"][path]["plan_accuracy"]}
    out["dev_sum_to_mt"] = sum(w["tool"] == "text_summarization" and w["chosen"] == "machine_translation"
                               for w in dev["wrong_tool"])
    return out


result = {}
for run in sys.argv[1:]:
    seeds = [seed_figures(Path(run) / f"seed_{s}") for s in range(3)]
    result[Path(run).name] = {k: (round(statistics.mean(s[k] for s in seeds), 1),
                                  round(statistics.stdev(s[k] for s in seeds), 1)) for k in seeds[0]}
print(json.dumps(result, indent=1))
