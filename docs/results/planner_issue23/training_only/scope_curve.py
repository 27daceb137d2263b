"""How well the scope head separates in-scope from out-of-scope requests, per set: ROC AUC of its probability,
and out-of-scope recall / in-scope refused at fixed thresholds and at the planner's own (planner.json).
Usage: python scope_curve.py PLANNER_DIR [PLANNER_DIR ...] > scope_curve.json (from the repository root)."""
import json
import sys

import numpy as np
from sklearn.metrics import roc_auc_score

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import predict_examples
from tomas.inference import load_planner

SETS = {"val": "data/planner/val.jsonl", "test": "data/planner/test.jsonl", "dev": "data/planner_dev/requests.jsonl",
        "dev2": "data/planner_dev2/requests.jsonl", "hand": "data/planner_handwritten/requests.jsonl",
        "hand2": "data/planner_handwritten2/requests.jsonl"}


def scores(planner, data, name: str, path: str) -> tuple[np.ndarray, np.ndarray]:
    examples = load_planner_examples(path, data) if name in ("val", "test") else load_handwritten(path, data)
    choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, 32)
    return np.array([e.tool is None for e in examples]), np.array([c.out_of_scope_prob for c in choices])


def report(folder: str) -> dict:
    planner = load_planner(folder, "cpu")
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    own = planner.model.decoder.out_of_scope_above
    out = {"threshold": own}
    for name, path in SETS.items():
        outside, p = scores(planner, data, name, path)
        row = {"auc": roc_auc_score(outside, p) if outside.any() else None}
        for th in (0.5, 0.9, 0.95, 0.98, own):
            key = "own" if th == own else str(th)
            row[key] = {"out_of_scope_recall": float((p[outside] > th).mean()) if outside.any() else None,
                        "in_scope_refused": float((p[~outside] > th).mean())}
        out[name] = row
    return out


print(json.dumps({folder: report(folder) for folder in sys.argv[1:]}, indent=1))
