# ruff: noqa: B023, E501  (a one-off probe, kept as it ran: see README.md)
import json
import time

from tomas.data.planner.preferences import preference_views
from tomas.models.lexical import PREFERENCE_GRID, LexicalPreference


def load(p):
    return [json.loads(line) for line in open(p)]


train = load("data/planner/train.jsonl")
val = load("data/planner/val.jsonl")
dev = load("data/planner_dev/requests.jsonl")
dev2 = load("data/planner_dev2/requests.jsonl")
t0 = time.time()
tv = preference_views([(e["task"], e.get("preference")) for e in train], "train", 0)
vv = preference_views([(e["task"], e.get("preference")) for e in val], "val", 0)
r = LexicalPreference.fit(tv, vv + [(e["task"], None) for e in dev])
print("fit", round(time.time() - t0, 1), "s; above", r.above, "classes", r.lexical.classes)
names, probs = r.strongest([t for t, _ in vv])
stated = [(n, p, s) for n, p, (_, s) in zip(names, probs, vv) if s]
plain = [p for p, (_, s) in zip(probs, vv) if s is None]
for a in PREFERENCE_GRID:
    rec = sum(p >= a and n == s for n, p, s in stated) / len(stated)
    fp = sum(p >= a for p in plain) / len(plain)
    print(f"val above {a}: recall {rec:.3f} false {fp:.4f}")
for name, d in (("dev", dev), ("dev2", dev2)):
    _, pr = r.strongest([e["task"] for e in d])
    print(name, "false at chosen", sum(p >= r.above for p in pr), "of", len(d))
