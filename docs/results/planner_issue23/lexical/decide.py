"""rules.json applied to runs/lexical against runs/spelling, on the three validation sets only (the generated
validation split, data/planner_dev and data/planner_dev2); test and the hand-written test sets are not read here.
Usage: python decide.py BASELINE_DIR CANDIDATE_DIR > decision.json; each DIR holds seed_{0,1,2} scored by
experiments/planner_seeds.py (numbers/) and by docs/results/planner_issue23/dev2.sh (dev2/)."""
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
    weights = [json.loads((run / f"seed_{s}/planner.json").read_text()).get("lexical_weight", 0.0) for s in range(3)]
    return out | {"mean_of_three_plan": statistics.mean(out[n]["plan_accuracy"]["mean"] for n in SETS),
                  "lexical_weight_per_seed": weights}


base, cand = summary(Path(sys.argv[1])), summary(Path(sys.argv[2]))
checks = {
    "a_mean_plan_higher": cand["mean_of_three_plan"] > base["mean_of_three_plan"],
    "b_no_set_lower_beyond_std": all(
        cand[n]["plan_accuracy"]["mean"] >= base[n]["plan_accuracy"]["mean"]
        - max(cand[n]["plan_accuracy"]["std"], base[n]["plan_accuracy"]["std"]) for n in SETS),
    "c_refused_at_most_1.5pct": all(cand[n]["in_scope_refused"]["mean"] <= 0.015 for n in SETS),
}
print(json.dumps({"rules": json.loads((Path(__file__).parent / "rules.json").read_text()), "baseline": base,
                  "lexical": cand, "checks": checks, "adopted": all(checks.values())}, indent=1))
