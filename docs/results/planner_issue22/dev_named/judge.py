"""Per planner folder: metrics (size mode numbers: numbers and named inputs read) on val / dev / test / hand /
hand2 under the val-only and the joint (val + dev) scope rule. Writes FOLDER/judge.json; prints one line per
rule (mean ± std over the folders). Run from the repository root:
``python docs/results/planner_issue22/dev_named/judge.py OUT/seed_0 OUT/seed_1 OUT/seed_2``."""
import json
import statistics
import sys
from pathlib import Path

from tomas.data import load_tool_data
from tomas.data.planner import load_planner_examples
from tomas.data.planner.files import load_handwritten
from tomas.eval.planner import example_hints, handwritten_metrics, planner_metrics, predict_examples
from tomas.eval.scope import joint_scope_threshold, scope_threshold, with_scope_threshold
from tomas.inference import load_planner
from tomas.training.planner import OUT_OF_SCOPE_REFUSED

SETS = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl", "test": "data/planner/test.jsonl",
        "hand": "data/planner_handwritten/requests.jsonl", "hand2": "data/planner_handwritten2/requests.jsonl"}
KEYS = ("tool_accuracy", "plan_accuracy", "in_scope_refused", "out_of_scope_recall")


def judge(folder):
    cache = Path(folder) / "judge.json"
    if cache.is_file():
        return json.loads(cache.read_text())
    planner = load_planner(folder, "cpu")
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    ex, ch = {}, {}
    for name, path in SETS.items():
        hand = name not in ("val", "test")
        ex[name] = load_handwritten(path, data) if hand else load_planner_examples(path, data)
        hints = example_hints(ex[name], data.tools, planner.table, "numbers")
        ch[name] = predict_examples(planner.model, planner.tokenizer, ex[name], planner.device, 32, hints=hints)
    rules = {"val_only": scope_threshold(ex["val"], ch["val"], OUT_OF_SCOPE_REFUSED),
             "joint": joint_scope_threshold([(ex["val"], ch["val"]), (ex["dev"], ch["dev"])], OUT_OF_SCOPE_REFUSED,
                                            halfway=False)}  # the rule of its time
    res = {}
    for rule, t in rules.items():
        res[rule] = {"threshold": t}
        for name in SETS:
            c = with_scope_threshold(ch[name], t)
            hand = name not in ("val", "test")
            m = handwritten_metrics(ex[name], c, planner.table) if hand else planner_metrics(ex[name], c, planner.table)
            res[rule][name] = {k: m[k] for k in KEYS if k in m}
    cache.write_text(json.dumps(res, indent=1))
    return res


def main(folders):
    rows = [judge(f) for f in folders]
    for rule in ("val_only", "joint"):
        parts = [f"{rule:8s} th {statistics.mean(r[rule]['threshold'] for r in rows):.3f}"]
        for name in SETS:
            for k, short in (("tool_accuracy", "tool"), ("plan_accuracy", "plan"), ("in_scope_refused", "ref"),
                             ("out_of_scope_recall", "oos")):
                vals = [r[rule][name][k] for r in rows if k in r[rule][name] and r[rule][name][k] is not None]
                if vals and not (k == "out_of_scope_recall" and name in ("hand", "hand2")):
                    sd = statistics.stdev(vals) if len(vals) > 1 else 0
                    parts.append(f"{name} {short} {100*statistics.mean(vals):.1f}±{100*sd:.1f}")
        print(" | ".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])
