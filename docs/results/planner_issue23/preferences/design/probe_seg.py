# ruff: noqa: B023, E501  (a one-off probe, kept as it ran: see README.md)
import json
import random
import re
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from tomas.data.planner.preferences import PREFERENCE_NAMES, lookalike_phrases, preference_phrases, preference_views
from tomas.eval.baselines import minilm_embed


def load(p):
    return [json.loads(line) for line in open(p)]


train = load("data/planner/train.jsonl")
val = load("data/planner/val.jsonl")
dev = load("data/planner_dev/requests.jsonl")
dev2 = load("data/planner_dev2/requests.jsonl")
SPLIT = {"sent": r"(?<=[.!?])\s+|;\s*|\s+[—–-]\s+", "comma": r"(?<=[.!?])\s+|;\s*|\s+[—–-]\s+|,\s*"}


def segs(t, how):
    return [s for s in re.split(SPLIT[how], t) if len(s.strip()) > 2] or [t]


rng = random.Random(0)
pos = [(p, n) for n in PREFERENCE_NAMES for p in preference_phrases(n, "train")]
neg = [(p, "none") for p in lookalike_phrases("train")]
vv = preference_views([(e["task"], e.get("preference")) for e in val], "val", 0)
for how in ("sent", "comma"):
    task_segs = [s for e in rng.sample(train, 1500) for s in segs(e["task"], how)]
    X_txt = [t for t, _ in pos] + [t for t, _ in neg] + task_segs
    y = [n for _, n in pos] + ["none"] * (len(neg) + len(task_segs))
    t0 = time.time()
    X = minilm_embed(X_txt)
    clf = LogisticRegression(C=10.0, max_iter=3000, class_weight="balanced").fit(X, y)
    print(how, "fit", round(time.time() - t0, 1), "s", len(X_txt), "segments")
    ci = [k for k, c in enumerate(clf.classes_) if c != "none"]

    def read(tasks):
        flat, owner = [], []
        for i, t in enumerate(tasks):
            for s in segs(t, how):
                flat.append(s)
                owner.append(i)
        P = clf.predict_proba(minilm_embed(flat))[:, ci]
        best = np.zeros(len(tasks))
        name = [None] * len(tasks)
        for o, row in zip(owner, P):
            if row.max() > best[o]:
                best[o] = row.max()
                name[o] = clf.classes_[ci[int(row.argmax())]]
        return name, best

    names, probs = read([t for t, _ in vv])
    stated = [(n, p, s) for n, p, (_, s) in zip(names, probs, vv) if s]
    plain = [p for p, (_, s) in zip(probs, vv) if s is None]
    _, pd = read([e["task"] for e in dev])
    _, pd2 = read([e["task"] for e in dev2])
    for a in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98):
        print(
            f"  above {a}: val recall {sum(p >= a and n == s for n, p, s in stated) / len(stated):.3f} "
            f"val false {sum(p >= a for p in plain) / len(plain):.4f} dev false {sum(p >= a for p in pd)} dev2 false {sum(p >= a for p in pd2)}"
        )
    from collections import Counter

    fp = Counter()
    miss = Counter()
    for (t, s), n, p in zip(vv, names, probs):
        if s is None and p >= 0.9:
            fp[next((x for x in lookalike_phrases("val") if x in t), t[:80])] += 1
        if s and not (p >= 0.9 and n == s):
            miss[
                (s, next((x for x in preference_phrases(s, "val") if x[1:] in t), t[-60:]), n, round(float(p), 2))
            ] += 1
    print(fp.most_common(8))
    print(len(miss))
    [print(m) for m in list(miss)[:25]]
    break
