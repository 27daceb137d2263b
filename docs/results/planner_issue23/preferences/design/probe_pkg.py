# ruff: noqa: B023, E501  (a one-off probe, kept as it ran: see README.md)
import time

from tomas.data import load_tool_data
from tomas.data.planner import load_dev, load_planner_examples
from tomas.data.planner.preferences import preference_views
from tomas.models.lexical import PREFERENCE_GRID, fit_preference_reader

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
train = load_planner_examples("data/planner/train.jsonl", data)
val = load_planner_examples("data/planner/val.jsonl", data)
dev = load_dev("data/planner_dev/requests.jsonl", data, print)
dev2 = load_dev("data/planner_dev2/requests.jsonl", data, print)
t0 = time.time()
r = fit_preference_reader(train, val + dev, 0)
print("fit", round(time.time() - t0, 1), "s:", r.summary, len(r.lexical.vocab[0]) + len(r.lexical.vocab[1]), "features")
vv = preference_views([(e.task, e.preference) for e in val + dev], "val", 0)
names, probs = r.strongest([t for t, _, _ in vv])
for a in PREFERENCE_GRID:
    st = [(n == s and p >= a) for n, p, (_, s, _) in zip(names, probs, vv) if s]
    lk = [p >= a for p, (t, s, w) in zip(probs, vv) if s is None and t != w]
    wr = [p >= a for p, (t, s, w) in zip(probs, vv) if s is None and t == w]
    _, p2 = r.strongest([e.task for e in dev2])
    print(
        f"{a}: stated read right {sum(st) / len(st):.3f}  look-alike false {sum(lk) / len(lk):.3f}  as-written false {sum(wr)}/{len(wr)}  dev2 false {sum(x >= a for x in p2)}"
    )
t0 = time.time()
r.read([e.task for e in val])
print("read", round((time.time() - t0) / len(val) * 1000, 2), "ms/request")
