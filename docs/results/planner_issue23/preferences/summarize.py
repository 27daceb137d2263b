"""The rule fixed before scoring (rules.json) applied, then what was read afterwards: ``python summarize.py WITH
WITHOUT OUT_DIR`` writes OUT_DIR/decision.json (validation only: val, planner_dev, planner_dev2 and the preference
validation set) and OUT_DIR/with_and_without.json (every set, the tests included), each seed and mean ± std.
WITH and WITHOUT hold seed_{0,1,2} scored by run.sh (numbers/, given/, dev2/, prefval/, preftest/)."""
import json
import statistics
import sys
from pathlib import Path

KEYS = ("plan_accuracy", "tool_accuracy", "preference_accuracy", "stated_read_right", "false_preference",
        "preference_plan_accuracy", "in_scope_refused")
VALIDATION = {"val": "numbers/val/planner_eval_report.json", "dev": "numbers/planner_dev_report.json",
              "dev2": "dev2/planner_handwritten_report.json", "pref_val": "prefval/planner_eval_report.json"}
TESTS = {"test": "numbers/planner_eval_report.json", "pref_test": "preftest/planner_eval_report.json",
         "hand": "numbers/planner_handwritten_report.json", "hand2": "numbers/planner_handwritten2_report.json",
         "hand_given": "given/planner_handwritten_report.json", "hand2_given": "given/planner_handwritten2_report.json"}


def figures(report: dict) -> dict:
    out = {k: report[k] for k in KEYS if report.get(k) is not None}
    plain = report.get("plan_accuracy_by_preference", {}).get("none")
    if plain:
        out["plain_plan_accuracy"] = plain["plan_accuracy"]
    stated = report.get("by_category", {}).get("preference")
    if stated and stated.get("plan_accuracy") is not None:
        out["preference_category_plan_accuracy"] = stated["plan_accuracy"]
    return out


def collect(run: Path, files: dict) -> dict:
    seeds = [{name: figures(json.loads((run / f"seed_{s}" / f).read_text())) for name, f in files.items()}
             for s in range(3)]
    return {name: {k: {"mean": statistics.mean(s[name][k] for s in seeds),
                       "std": statistics.stdev(s[name][k] for s in seeds), "seeds": [s[name][k] for s in seeds]}
                   for k in seeds[0][name]} for name in files}


with_, without, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
rules = json.loads((out / "rules.json").read_text())
w, wo = collect(with_, VALIDATION), collect(without, VALIDATION)
checks = {f"{n}_plain_within_1_point": w[n]["plan_accuracy"]["mean"] >= wo[n]["plan_accuracy"]["mean"] - 0.01
          for n in ("val", "dev", "dev2")}
checks["pref_val_read_right_85"] = w["pref_val"]["stated_read_right"]["mean"] >= 0.85
checks["pref_val_stated_plan_higher"] = (w["pref_val"]["preference_plan_accuracy"]["mean"]
                                         > wo["pref_val"]["preference_plan_accuracy"]["mean"])
decision = {"rules": rules, "with": w, "without": wo, "checks": checks, "adopted": all(checks.values())}
(out / "decision.json").write_text(json.dumps(decision, indent=1) + "\n")
print(json.dumps({"checks": checks, "adopted": decision["adopted"]}, indent=1))
tests = {"with": collect(with_, TESTS), "without": collect(without, TESTS)}
(out / "with_and_without.json").write_text(json.dumps({"validation": {"with": w, "without": wo}, "tests": tests},
                                                       indent=1) + "\n")
