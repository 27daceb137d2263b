"""After the decision, from scratch: ``rules.json``'s rule on the from-scratch planners' own validation figures (the
adopted score built into training and planning, ``model.scope_text: span_prompt``) against the span's (session 25's
from-scratch planners), and whether they reproduce the probe's ``span_prompt`` figures (``probe.json``; within 0.05
points: the probe averaged rounded seeds). Validation sets only. From the repository root:
``python docs/results/planner_issue23/scope_ensemble/check.py BASE_DIR NEW_DIR > validation.json``."""
import json
import runpy
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DECIDE = runpy.run_path(str(HERE.parent / "third_writer" / "decide.py"), run_name="decide")
PROBE = runpy.run_path(str(HERE / "probe.py"), run_name="probe")
KEYS = {"oos_recall": "out_of_scope_recall", "in_scope_refused": "in_scope_refused"}


def mean_std(run: Path) -> dict:
    """Per validation set, out-of-scope recall and in-scope refusals over seeds 0-2 in percent, as probe.json has."""
    seeds = [DECIDE["validation"](run / f"seed_{s}") for s in range(3)]
    return {name: {key: [round(f(100 * s[name][src] for s in seeds), 2) for f in (statistics.mean, statistics.stdev)]
                   for key, src in KEYS.items()} for name in DECIDE["SETS"]}


def main(base: str, new: str) -> None:
    stats = {"span": mean_std(Path(base)), "span_prompt": mean_std(Path(new))}
    probe = json.loads((HERE / "probe.json").read_text())["mean_std"]
    print(json.dumps({"rules": json.loads((HERE / "rules.json").read_text()), "mean_std": stats,
                      "decision": PROBE["decision"](stats),
                      "as_the_probe": {v: same(stats[v], probe[v]) for v in stats}}, indent=1))


def same(ours: dict, probe: dict) -> bool:
    return all(abs(a - b) <= 0.05 for name in ours for key in ours[name] for a, b in zip(ours[name][key],
                                                                                        probe[name][key]))


if __name__ == "__main__":
    main(*sys.argv[1:])
