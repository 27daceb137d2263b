"""Every set's tool / plan accuracy, out-of-scope recall and in-scope refusals, mean ± std over seeds 0-2, for
a run before and after a change (session 14: runs/spelling and runs/lexical, model.lexical on; session 15:
runs/lexical and runs/scope_mix, model.scope_lexical on), with the weights each seed chose. Validation sets first;
test, planner_handwritten and planner_handwritten2 were read only after decision.json was written.
Usage: python compare.py BEFORE_DIR AFTER_DIR > with_and_without.json"""
import json
import statistics
import sys
from pathlib import Path

REPORTS = {"val": "numbers/val/planner_eval_report.json", "dev": "numbers/planner_dev_report.json",
           "dev2": "dev2/planner_handwritten_report.json", "test": "numbers/planner_eval_report.json",
           "hand": "numbers/planner_handwritten_report.json", "hand2": "numbers/planner_handwritten2_report.json"}
KEYS = ("tool_accuracy", "plan_accuracy", "size_accuracy_given_tool", "out_of_scope_recall", "in_scope_refused")


def run_summary(run: Path) -> dict:
    seeds = [{name: json.loads((run / f"seed_{s}" / path).read_text()) for name, path in REPORTS.items()}
             for s in range(3)]
    out = {name: {k: {"mean": round(100 * statistics.mean(s[name][k] for s in seeds), 2),
                      "std": round(100 * statistics.stdev(s[name][k] for s in seeds), 2)}
                  for k in KEYS if seeds[0][name].get(k) is not None} for name in REPORTS}
    metas = [json.loads((run / f"seed_{s}/planner.json").read_text()) for s in range(3)]
    return out | {f"{w}_per_seed": [m.get(w, 0.0) for m in metas] for w in ("lexical_weight", "scope_lexical_weight")}


before, after = run_summary(Path(sys.argv[1])), run_summary(Path(sys.argv[2]))
print(json.dumps({"before": {"dir": sys.argv[1], **before}, "after": {"dir": sys.argv[2], **after}}, indent=1))
for name in REPORTS:
    cells = [f"{k.split('_')[0]} {b[k]['mean']:.1f}±{b[k]['std']:.1f} -> {a[k]['mean']:.1f}±{a[k]['std']:.1f}"
             for b, a in [(before[name], after[name])] for k in KEYS if k in b and k in a and k != KEYS[2]]
    print(f"{name:>5}: " + " | ".join(cells), file=sys.stderr)
