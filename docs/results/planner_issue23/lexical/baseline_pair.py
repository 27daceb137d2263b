"""What a user could build from the two baselines together: MiniLM + LR and TF-IDF + LR, their tool
log-probabilities added (TF-IDF's × a weight chosen, as the planner's, on the in-scope requests of the generated
validation split and data/planner_dev together), MiniLM's size classifier, the same size reader and oracle.
Usage: python baseline_pair.py > baseline_pair.json (~1 min)."""
import json
import sys

import numpy as np

from tomas.config import DEV_FILE
from tomas.data import load_tool_data
from tomas.data.planner import HAND_FILES, load_handwritten, load_planner_examples
from tomas.eval.baselines import Baseline, fit_baseline, score_baseline
from tomas.models.config_table import ConfigTable
from tomas.models.lexical import GRID
from tomas.recipes.evaluate_planner import size_stated

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
table = ConfigTable.from_assets("assets")
train = load_planner_examples("data/planner/train.jsonl", data)
minilm, tfidf = fit_baseline("minilm", train), fit_baseline("tfidf", train)
assert list(minilm.tool_clf.classes_) == list(tfidf.tool_clf.classes_)


class Pair:
    """The two tool classifiers' log-probabilities added; predict_proba of raw texts."""

    def __init__(self, weight: float):
        self.weight, self.classes_ = weight, minilm.tool_clf.classes_

    def predict_proba(self, texts):
        logp = (np.log(minilm.tool_clf.predict_proba(minilm.featurize(texts)) + 1e-12)
                + self.weight * np.log(tfidf.tool_clf.predict_proba(tfidf.featurize(texts)) + 1e-12))
        p = np.exp(logp - logp.max(1, keepdims=True))
        return p / p.sum(1, keepdims=True)


class SizeOfMiniLM:
    classes_ = minilm.size_clf.classes_

    def predict_proba(self, texts):
        return minilm.size_clf.predict_proba(minilm.featurize(texts))


val = load_planner_examples("data/planner/val.jsonl", data)
dev = load_handwritten(DEV_FILE, data)
chosen = [e for e in val + dev if e.tool is not None]
texts = [e.task for e in chosen]
right = {w: int(sum(Pair(w).classes_[k] == e.tool for k, e in zip(Pair(w).predict_proba(texts).argmax(1), chosen)))
         for w in GRID}
weight = max(GRID, key=lambda w: (right[w], -w))
pair = Baseline("minilm+tfidf", lambda texts: texts, Pair(weight), SizeOfMiniLM())
sets = {"val": (val, False), "test": (load_planner_examples("data/planner/test.jsonl", data), False),
        DEV_FILE: (dev, True), **{f: (load_handwritten(f, data), True) for f in HAND_FILES}}
report = {"weight": weight, "right_in_scope_by_weight": right}
for name, (examples, hand) in sets.items():
    report[name] = score_baseline(pair, examples, data, table, "numbers", size_stated(name) if hand else None, hand)
    print(f"{name}: tool {report[name]['tool_accuracy']:.1%} plan {report[name]['plan_accuracy']:.1%}", file=sys.stderr)
print(json.dumps(report, indent=1))
