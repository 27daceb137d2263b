# ruff: noqa: B023, E501  (a one-off probe, kept as it ran: see README.md)
import time

from sklearn.linear_model import LogisticRegression

from tomas.data import load_tool_data
from tomas.data.planner import load_dev, load_planner_examples
from tomas.data.planner.preferences import labelled_segments, preference_views, segments
from tomas.eval.baselines import minilm_embed
from tomas.models.lexical import PREFERENCE_GRID

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
train = load_planner_examples("data/planner/train.jsonl", data)
val = load_planner_examples("data/planner/val.jsonl", data)
dev = load_dev("data/planner_dev/requests.jsonl", data, print)
dev2 = load_dev("data/planner_dev2/requests.jsonl", data, print)
t0 = time.time()
texts, labels = labelled_segments(preference_views([(e.task, e.preference) for e in train], "train", 0))
uniq = sorted(set(zip(texts, [lab or "none" for lab in labels])))
print(len(texts), "pieces", len(uniq), "unique")
X = minilm_embed([t for t, _ in uniq])
y = [lab for _, lab in uniq]
vv = preference_views([(e.task, e.preference) for e in val + dev], "val", 0)


def strongest(clf, tasks):
    pieces = [segments(t) for t in tasks]
    flat = [p for ps in pieces for p in ps]
    P = clf.predict_proba(minilm_embed(flat))
    ci = [k for k, c in enumerate(clf.classes_) if c != "none"]
    P = P[:, ci]
    names, probs, s = [], [], 0
    for ps in pieces:
        blk = P[s : s + len(ps)]
        i = blk.max(1).argmax()
        names.append(clf.classes_[ci[blk[i].argmax()]])
        probs.append(blk[i].max())
        s += len(ps)
    return names, probs


for C in (1, 10, 100):
    clf = LogisticRegression(C=C, max_iter=3000, class_weight="balanced").fit(X, y)
    names, probs = strongest(clf, [t for t, _, _ in vv])
    _, p2 = strongest(clf, [e.task for e in dev2])
    row = []
    for a in PREFERENCE_GRID:
        st = [(n == s and p >= a) for n, p, (_, s, _) in zip(names, probs, vv) if s]
        wr = [p >= a for p, (t, s, w) in zip(probs, vv) if s is None and t == w]
        lk = [p >= a for p, (t, s, w) in zip(probs, vv) if s is None and t != w]
        row.append(f"{a}:{sum(st) / len(st):.3f}/{sum(wr)}/{sum(x >= a for x in p2)}/lk{sum(lk) / len(lk):.2f}")
    print(C, " ".join(row), round(time.time() - t0), "s", flush=True)
