# ruff: noqa: B023, E501  (a one-off probe, kept as it ran: see README.md)
import json
import random
import re
import sys
import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from tomas.data.planner.preferences import PREFERENCE_NAMES, lookalike_phrases, preference_phrases, preference_views
from tomas.inference import load_planner
from tomas.models.planner import prompt_states


def load(p):
    return [json.loads(line) for line in open(p)]


train = load("data/planner/train.jsonl")
val = load("data/planner/val.jsonl")
dev = load("data/planner_dev/requests.jsonl")
dev2 = load("data/planner_dev2/requests.jsonl")
lp = load_planner(sys.argv[1], device="cpu")
SPLIT = r"(?<=[.!?])\s+|;\s*|\s+[—–-]\s+"


def segs(t):
    return [s for s in re.split(SPLIT, t) if len(s.strip()) > 2] or [t]


def emb(texts):
    x = prompt_states(lp.model, lp.tokenizer, texts, lp.device).float()
    return torch.nn.functional.normalize(x, dim=-1).numpy()


rng = random.Random(0)
pos = [(p, n) for n in PREFERENCE_NAMES for p in preference_phrases(n, "train")]
neg = [(p, "none") for p in lookalike_phrases("train")]
vv = preference_views([(e["task"], e.get("preference")) for e in val], "val", 0)
task_segs = [s for e in rng.sample(train, 1500) for s in segs(e["task"])]
X_txt = [t for t, _ in pos] + [t for t, _ in neg] + task_segs
y = [n for _, n in pos] + ["none"] * (len(neg) + len(task_segs))
t0 = time.time()
X = emb(X_txt)
clf = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced").fit(X, y)
print("fit", round(time.time() - t0, 1), "s", len(X_txt), "segments")
ci = [k for k, c in enumerate(clf.classes_) if c != "none"]


def read(tasks):
    flat, owner = [], []
    for i, t in enumerate(tasks):
        for s in segs(t):
            flat.append(s)
            owner.append(i)
    P = clf.predict_proba(emb(flat))[:, ci]
    best = np.zeros(len(tasks))
    name = [None] * len(tasks)
    for o, row in zip(owner, P):
        if row.max() > best[o]:
            best[o] = row.max()
            name[o] = clf.classes_[ci[int(row.argmax())]]
    return name, best


names, probs = read([t for t, _ in vv])
stated = [(n, p, s) for n, p, (_, s) in zip(names, probs, vv) if s]
plainv = [p for p, (_, s), k in zip(probs, vv, range(len(vv))) if s is None]
_, pv = read([e["task"] for e in val])
_, pd = read([e["task"] for e in dev])
_, pd2 = read([e["task"] for e in dev2])
for a in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98):
    print(
        f"  above {a}: val recall {sum(p >= a and n == s for n, p, s in stated) / len(stated):.3f} "
        f"views false {sum(p >= a for p in plainv) / len(plainv):.4f} val plain false {sum(p >= a for p in pv)} dev false {sum(p >= a for p in pd)} dev2 false {sum(p >= a for p in pd2)}"
    )
