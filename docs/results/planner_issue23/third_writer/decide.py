"""The rule fixed before scoring (rules.json) applied to each candidate against the shipped planners, on the three
validation sets only (plan accuracy on the generated validation split, data/planner_dev and data/planner_dev2).
Usage: python decide.py [--rules RULES_JSON] [--max_refused SHARE] [--metric KEY] [--no_rise KEY] SHIPPED_DIR
CANDIDATE_DIR [...]
> decision.json (rules: this folder's rules.json unless given; session 12's languages/ variant uses the same rule,
session 14's lexical/ one adds --max_refused 0.015: each validation set's mean in-scope refusals at most that;
session 15's scope_mix/ one adds --metric out_of_scope_recall: the mean of three must rise on that figure, which
like plan accuracy may fall on no set beyond the larger seed std; session 27's seventh_writer/ one adds --no_rise
in_scope_refused: that figure may rise on no set beyond the larger seed std); each DIR holds seed_{0,1,2} scored by
experiments/planner_seeds.py (numbers/) and by evaluate-planner on data/planner_dev2 (dev2/)."""
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


def summary(run: Path, metric: str) -> dict:
    seeds = [validation(run / f"seed_{s}") for s in range(3)]
    out = {name: {k: {"mean": statistics.mean(s[name][k] for s in seeds),
                      "std": statistics.stdev(s[name][k] for s in seeds)} for k in seeds[0][name]} for name in SETS}
    out["mean_plan_of_three"] = statistics.mean(out[name]["plan_accuracy"]["mean"] for name in SETS)
    if metric != "plan_accuracy":
        out[f"mean_{metric}_of_three"] = statistics.mean(out[name][metric]["mean"] for name in SETS)
    return out


def no_drop(candidate: dict, shipped: dict, key: str) -> bool:
    """On no set is the candidate's mean lower than the shipped one's by more than the larger of their stds."""
    return all(candidate[n][key]["mean"] >= shipped[n][key]["mean"] - max(
        candidate[n][key]["std"], shipped[n][key]["std"]) for n in SETS)


def no_rise(candidate: dict, shipped: dict, key: str) -> bool:
    """On no set is the candidate's mean higher than the shipped one's by more than the larger of their stds."""
    return all(candidate[n][key]["mean"] <= shipped[n][key]["mean"] + max(
        candidate[n][key]["std"], shipped[n][key]["std"]) for n in SETS)


def main() -> None:
    args, options = sys.argv[1:], {"--rules": str(Path(__file__).parent / "rules.json"), "--max_refused": None,
                                   "--metric": "plan_accuracy", "--no_rise": None}
    while args[:1] and args[0] in options:  # the flags in any order, before the folders
        options[args[0]], args = args[1], args[2:]
    rules, metric = Path(options["--rules"]), options["--metric"]
    max_refused = None if options["--max_refused"] is None else float(options["--max_refused"])
    shipped = summary(Path(args[0]), metric)
    report = {"rules": json.loads(rules.read_text()), "shipped": shipped}
    for run in args[1:]:
        c = summary(Path(run), metric)
        mean = "mean_plan_of_three" if metric == "plan_accuracy" else f"mean_{metric}_of_three"
        higher = c[mean] > shipped[mean]
        checks = {"mean_of_three_higher": higher, "no_set_lower_beyond_std": no_drop(c, shipped, "plan_accuracy")}
        if metric != "plan_accuracy":
            checks[f"no_set_lower_beyond_std_{metric}"] = no_drop(c, shipped, metric)
        if max_refused is not None:
            checks["refused_at_most"] = all(c[n]["in_scope_refused"]["mean"] <= max_refused for n in SETS)
        if options["--no_rise"] is not None:
            checks[f"no_set_higher_beyond_std_{options['--no_rise']}"] = no_rise(c, shipped, options["--no_rise"])
        report[Path(run).name] = c | checks | {"adopted": all(checks.values())}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":  # importable: scope_task_span/check.py reads validation()
    main()
