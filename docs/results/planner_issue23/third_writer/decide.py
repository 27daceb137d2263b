"""The rule fixed before scoring (rules.json) applied to each candidate against the shipped planners, on the three
validation sets only (plan accuracy on the generated validation split, data/planner_dev and data/planner_dev2).
Usage: python decide.py [--rules RULES_JSON] [--max_refused SHARE] SHIPPED_DIR CANDIDATE_DIR [...] > decision.json
(rules: this folder's rules.json unless given; session 12's languages/ variant uses the same rule, session 14's
lexical/ one adds --max_refused 0.015: each validation set's mean in-scope refusals at most that); each DIR holds
seed_{0,1,2} scored by experiments/planner_seeds.py (numbers/) and by evaluate-planner on data/planner_dev2 (dev2/)."""
import json
import statistics
import sys
from pathlib import Path

SETS = ("val", "dev", "dev2")


def validation(folder: Path) -> dict:
    val = json.loads((folder / "numbers/val/planner_eval_report.json").read_text())
    dev = json.loads((folder / "numbers/planner_dev_report.json").read_text())
    dev2 = json.loads((folder / "dev2/planner_handwritten_report.json").read_text())
    return {name: {k: r[k] for k in ("plan_accuracy", "tool_accuracy", "size_accuracy_given_tool",
                                     "out_of_scope_recall", "in_scope_refused") if r.get(k) is not None}
            for name, r in zip(SETS, (val, dev, dev2))}


def summary(run: Path) -> dict:
    seeds = [validation(run / f"seed_{s}") for s in range(3)]
    out = {name: {k: {"mean": statistics.mean(s[name][k] for s in seeds),
                      "std": statistics.stdev(s[name][k] for s in seeds)} for k in seeds[0][name]} for name in SETS}
    out["mean_plan_of_three"] = statistics.mean(out[name]["plan_accuracy"]["mean"] for name in SETS)
    return out


args, rules, max_refused = sys.argv[1:], Path(__file__).parent / "rules.json", None
while args[:1] in (["--rules"], ["--max_refused"]):  # the two flags in either order, before the folders
    if args[0] == "--rules":
        rules = Path(args[1])
    else:
        max_refused = float(args[1])
    args = args[2:]
shipped = summary(Path(args[0]))
report = {"rules": json.loads(rules.read_text()), "shipped": shipped}
for run in args[1:]:
    c = summary(Path(run))
    higher = c["mean_plan_of_three"] > shipped["mean_plan_of_three"]
    no_drop = all(c[n]["plan_accuracy"]["mean"] >= shipped[n]["plan_accuracy"]["mean"] - max(
        c[n]["plan_accuracy"]["std"], shipped[n]["plan_accuracy"]["std"]) for n in SETS)
    checks = {"mean_of_three_higher": higher, "no_set_lower_beyond_std": no_drop}
    if max_refused is not None:
        checks["refused_at_most"] = all(c[n]["in_scope_refused"]["mean"] <= max_refused for n in SETS)
    report[Path(run).name] = c | checks | {"adopted": all(checks.values())}
print(json.dumps(report, indent=1))
