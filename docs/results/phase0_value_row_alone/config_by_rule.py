"""What is left for rows shown to the LLM to gain on the configuration (issue 24, item 4): the shipped planner's
configuration accuracy given the right tool and input size, per set, 3 seeds (session 16's shipped-equivalent
planners, `runs/pref_cap1`, scored by docs/results/planner_issue23/preferences/run_cap1.sh), and the same planners
without the preference reader (`runs/pref_lexical_off`, preferences/run.sh), where they were scored.
python docs/results/phase0_value_row_alone/config_by_rule.py -> config_by_rule.json beside this file."""
import json
import statistics
from pathlib import Path

SETS = {"val": "numbers/val/planner_eval_report.json", "planner_dev": "numbers/planner_dev_report.json",
        "planner_dev2": "dev2/planner_handwritten_report.json", "test": "numbers/planner_eval_report.json",
        "hand": "numbers/planner_handwritten_report.json", "hand2": "numbers/planner_handwritten2_report.json",
        "preference val": "prefval/planner_eval_report.json", "preference test": "preftest/planner_eval_report.json"}
RUNS = {"with the preference reader (shipped)": Path("runs/pref_cap1"),
        "without it": Path("runs/pref_lexical_off")}
out = {}
for label, run in RUNS.items():
    out[label] = {}
    for name, path in SETS.items():
        files = [run / f"seed_{s}" / path for s in range(3)]
        if not all(f.is_file() for f in files):
            continue
        values = [100 * json.loads(f.read_text())["config_accuracy_given_tool_and_size"] for f in files]
        out[label][name] = {"per_seed": [round(v, 2) for v in values], "mean": round(statistics.mean(values), 2),
                            "std": round(statistics.stdev(values), 2)}
        print(f"{label}, {name}: {out[label][name]['mean']:.2f} ± {out[label][name]['std']:.2f}")
Path(__file__).with_name("config_by_rule.json").write_text(json.dumps(
    {"what": "configuration accuracy (%) given the right tool and input size (config_accuracy_given_tool_and_size: "
             "among in-scope requests whose tool and size are the oracle's, the share whose configuration is too), "
             "size from the text (size_mode numbers)", "runs": {k: str(v) for k, v in RUNS.items()}, "sets": out},
    indent=1) + "\n")
