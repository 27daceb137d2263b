"""After the decision, from scratch: ``rules.json``'s rule on the from-scratch planners' own validation figures (the
adopted score built into training and planning, ``model.scope_text: span_prompt``) against the span's (session 25's
from-scratch planners), and whether they reproduce the probe's ``span_prompt`` figures (``probe.json``; within 0.05
points: the probe averaged rounded seeds). Validation sets only. From the repository root:
``python docs/results/planner_issue23/scope_ensemble/check.py BASE_DIR NEW_DIR > validation.json``."""
import json
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPAN_CHECK = runpy.run_path(str(HERE.parent / "scope_task_span" / "check.py"), run_name="span_check")
PROBE = runpy.run_path(str(HERE / "probe.py"), run_name="probe")
mean_std, same = SPAN_CHECK["mean_std"], SPAN_CHECK["same"]
"""Per validation set, out-of-scope recall and in-scope refusals over seeds 0-2 (as probe.json has); whether two such
tables agree within 0.05 points: session 25's check."""


def main(base: str, new: str) -> None:
    stats = {"span": mean_std(Path(base)), "span_prompt": mean_std(Path(new))}
    probe = json.loads((HERE / "probe.json").read_text())["mean_std"]
    print(json.dumps({"rules": json.loads((HERE / "rules.json").read_text()), "mean_std": stats,
                      "decision": PROBE["decision"](stats),
                      "as_the_probe": {v: same(stats[v], probe[v]) for v in stats}}, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
