"""The rule fixed before scoring (rules.json) applied to the scope-only variant against the baseline, on the three
validation sets only (the generated validation split, data/planner_dev and data/planner_dev2).
Usage: python decide.py BASELINE_DIR CANDIDATE_DIR [RULES_JSON NAME] > decision.json (default: this
folder's rules.json, name w3s; the same rule decides a later variant with its own rules file); each DIR holds
seed_{0,1,2} scored by
experiments/planner_seeds.py (numbers/) and by evaluate-planner on data/planner_dev2 (dev2/)."""
import json
import statistics
import sys
from pathlib import Path

SETS = ("val", "dev", "dev2")
KEYS = ("plan_accuracy", "tool_accuracy", "size_accuracy_given_tool", "out_of_scope_recall", "in_scope_refused")


def validation(folder: Path) -> dict:
    reports = (folder / "numbers/val/planner_eval_report.json", folder / "numbers/planner_dev_report.json",
               folder / "dev2/planner_handwritten_report.json")
    return {name: {k: r[k] for k in KEYS if r.get(k) is not None}
            for name, r in zip(SETS, (json.loads(p.read_text()) for p in reports))}


def summary(run: Path) -> dict:
    seeds = [validation(run / f"seed_{s}") for s in range(3)]
    out = {name: {k: {"mean": statistics.mean(s[name][k] for s in seeds),
                      "std": statistics.stdev(s[name][k] for s in seeds)} for k in seeds[0][name]} for name in SETS}
    return out | {"mean_of_three": {k: statistics.mean(out[n][k]["mean"] for n in SETS)
                                    for k in ("plan_accuracy", "out_of_scope_recall")}}


def not_lower(c: dict, base: dict, key: str) -> bool:
    """On none of the three sets lower than the baseline by more than the larger of the two seed stds."""
    return all(c[n][key]["mean"] >= base[n][key]["mean"] - max(c[n][key]["std"], base[n][key]["std"]) for n in SETS)


if len(sys.argv) not in (3, 5):
    raise SystemExit("usage: decide.py BASELINE_DIR CANDIDATE_DIR [RULES_JSON NAME]")
base, cand = summary(Path(sys.argv[1])), summary(Path(sys.argv[2]))
rules, name = (Path(sys.argv[3]), sys.argv[4]) if len(sys.argv) > 4 else (Path(__file__).parent / "rules.json", "w3s")
checks = {"a_recall_higher": cand["mean_of_three"]["out_of_scope_recall"] > base["mean_of_three"]["out_of_scope_recall"]
          and not_lower(cand, base, "out_of_scope_recall"),
          "b_plan_not_lower": not_lower(cand, base, "plan_accuracy"),
          "c_refused_at_most_2pct": all(cand[n]["in_scope_refused"]["mean"] <= 0.02 for n in SETS)}
print(json.dumps({"rules": json.loads(rules.read_text()), "baseline": base, name: cand, "checks": checks,
                  "adopted": all(checks.values())}, indent=1))
