"""rules.json's second condition added to the decision ``preferences/summarize.py FINE OFF DIR`` wrote (the shipped
reader's rule): ``python decide.py DIR COARSE``, COARSE the same planners with the eight-value grid's reader, scored
on the preference validation set (seed_{0,1,2}/prefval). run.sh refits that reader; the recorded decision used the
shipped planners' own readers, fitted in training by the same function. Validation only."""
import json
import statistics
import sys
from pathlib import Path

out, coarse = Path(sys.argv[1]), Path(sys.argv[2])
decision = json.loads((out / "decision.json").read_text())
seeds = [json.loads((coarse / f"seed_{s}/prefval/planner_eval_report.json").read_text())["stated_read_right"]
         for s in range(3)]
fine = decision["with"]["pref_val"]["stated_read_right"]
decision["coarse_pref_val_read_right"] = {"mean": statistics.mean(seeds), "std": statistics.stdev(seeds),
                                          "seeds": seeds}
decision["checks"]["pref_val_read_right_above_coarse_by_more_than_std"] = (
    fine["mean"] - statistics.mean(seeds) > max(fine["std"], statistics.stdev(seeds)))
decision["adopted"] = all(decision["checks"].values())
(out / "decision.json").write_text(json.dumps(decision, indent=1) + "\n")
print(json.dumps({"checks": decision["checks"], "adopted": decision["adopted"]}, indent=1))
