# ruff: noqa: B023, E501  (a one-off probe, kept as it ran: see README.md)
import json
import random
import re
import sys

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from tomas.data.planner.preferences import PREFERENCE_NAMES, lookalike_phrases, preference_phrases, preference_views


def load(p):
    return [json.loads(line) for line in open(p)]


train = load("data/planner/train.jsonl")
val = load("data/planner/val.jsonl")
dev = load("data/planner_dev/requests.jsonl")
dev2 = load("data/planner_dev2/requests.jsonl")
SPLIT = {"sent": r"(?<=[.!?])\s+|;\s*|\s+[—–-]\s+", "comma": r"(?<=[.!?])\s+|;\s*|\s+[—–-]\s+|,\s*"}[sys.argv[1]]


def segs(t):
    return [s for s in re.split(SPLIT, t) if len(s.strip()) > 2] or [t]


rng = random.Random(0)
pos = [(p, n) for n in PREFERENCE_NAMES for p in preference_phrases(n, "train")]
neg = [(p, "none") for p in lookalike_phrases("train")]
vv = preference_views([(e["task"], e.get("preference")) for e in val], "val", 0)
task_segs = [s for e in rng.sample(train, 1500) for s in segs(e["task"])]
X_txt = [t for t, _ in pos] + [t for t, _ in neg] + task_segs
y = [n for _, n in pos] + ["none"] * (len(neg) + len(task_segs))
for C in (30, 100, 300):
    for cw in ("balanced",):
        vecs = [
            TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)).fit(X_txt),
            TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5)).fit(X_txt),
        ]
        f = lambda T: hstack([v.transform(T) for v in vecs]).tocsr()
        clf = LogisticRegression(C=C, max_iter=3000, class_weight=cw).fit(f(X_txt), y)
        ci = [k for k, c in enumerate(clf.classes_) if c != "none"]

        def read(tasks):
            flat, owner = [], []
            for i, t in enumerate(tasks):
                for s in segs(t):
                    flat.append(s)
                    owner.append(i)
            P = clf.predict_proba(f(flat))[:, ci]
            best = np.zeros(len(tasks))
            name = [None] * len(tasks)
            for o, row in zip(owner, P):
                if row.max() > best[o]:
                    best[o] = row.max()
                    name[o] = clf.classes_[ci[int(row.argmax())]]
            return name, best

        names, probs = read([t for t, _ in vv])
        stated = [(n, p, s) for n, p, (_, s) in zip(names, probs, vv) if s]
        plainv = [p for p, (_, s) in zip(probs, vv) if s is None]
        _, pv = read([e["task"] for e in val])
        _, pd = read([e["task"] for e in dev])
        _, pd2 = read([e["task"] for e in dev2])
        print("C", C, cw)
        for a in (0.5, 0.7, 0.9):
            print(
                f"  above {a}: val recall {sum(p >= a and n == s for n, p, s in stated) / len(stated):.3f} "
                f"views false {sum(p >= a for p in plainv) / len(plainv):.4f} val plain false {sum(p >= a for p in pv)} dev false {sum(p >= a for p in pd)} dev2 false {sum(p >= a for p in pd2)}"
            )
