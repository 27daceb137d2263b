"""Reader-only probe on validation of the preference reader's regularisation (rules.json): per variant (C, balanced)
and seed, the reader fitted as training fits it (training file, val + planner_dev, the seed, the 1% cap), its threshold,
the share of the preference validation set's stated preferences read right, and the plain in-scope requests of val,
planner_dev and planner_dev2 read as stating one.
python docs/results/planner_issue23/preferences/reg_c/probe.py OUT.json (repository root; needs runs/prefdata/val.jsonl,
made as preferences/run.sh makes it)."""
import json
import statistics
import sys
from pathlib import Path

import tomas.models.lexical as L
from tomas.training.lexical import fit_preference_reader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reader_probe import load_sets, score_reader  # noqa: E402  (this folder's shared probe)

VARIANTS = [(100.0, True), (30.0, True), (10.0, True), (3.0, True), (1.0, True), (100.0, False), (10.0, False)]
shipped_fit = L.LexicalTool.fit.__func__
train, val, dev, dev2, pval = load_sets()
out = {}
for c, balanced in VARIANTS:
    L.LexicalTool.fit = classmethod(lambda cls, tasks, labels, c_=c, b_=balanced, **kw: shipped_fit(
        cls, tasks, labels, **{**kw, "c": c_, "balanced": b_}))
    rows = []
    for seed in (0, 1, 2):
        reader = fit_preference_reader(train, val + dev, seed, 0.01, log=lambda *a: None)
        row = score_reader(reader, {"val": val, "dev": dev, "dev2": dev2}, pval)
        rows.append(row)
    key = f"C={c:g}{' balanced' if balanced else ''}"
    right = [r["stated_right"] for r in rows]
    false = [r["false_val"] + r["false_dev"] + r["false_dev2"] for r in rows]
    out[key] = {"seeds": rows, "false_sum_mean": round(statistics.mean(false), 2),
                "stated_right_mean_std": [round(statistics.mean(right), 2), round(statistics.stdev(right), 2)]}
    print(key, out[key], flush=True)
Path(sys.argv[1]).write_text(json.dumps(out, indent=1) + "\n")
