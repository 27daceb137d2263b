# ruff: noqa: B023, E501  (a one-off probe, kept as it ran: see README.md)
import random

from tomas.data import load_tool_data
from tomas.data.planner import load_dev, load_planner_examples
from tomas.data.planner.preferences import PREFERENCE_NAMES, attach_random, labelled_segments, preference_views
from tomas.models.lexical import NO_PREFERENCE, PREFERENCE_GRID, LexicalPreference, LexicalTool

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
train = load_planner_examples("data/planner/train.jsonl", data)
val = load_planner_examples("data/planner/val.jsonl", data)
dev = load_dev("data/planner_dev/requests.jsonl", data, print)
dev2 = load_dev("data/planner_dev2/requests.jsonl", data, print)


def views(examples, split, k):
    rng = random.Random(f"0/{split}/k")
    out = []
    for e in examples:
        out.append((e.task, e.preference, e.task))
        if e.preference is None:
            for _ in range(k):
                name = rng.choice(PREFERENCE_NAMES)
                out.append((attach_random(e.task, name, split, rng), name, e.task))
                out.append((attach_random(e.task, None, split, rng), None, e.task))
    return out


vv = preference_views([(e.task, e.preference) for e in val + dev], "val", 0)
for k, c, bal in [(1, 100, True), (2, 100, True), (3, 100, True), (1, 30, True), (1, 300, True), (2, 30, True)]:
    lex = LexicalTool.fit(*labelled_segments(views(train, "train", k)), c=c, balanced=bal, missing=NO_PREFERENCE)
    r = LexicalPreference(lex, 1.0)
    names, probs = r.strongest([t for t, _, _ in vv])
    _, p2 = r.strongest([e.task for e in dev2])
    row = []
    for a in PREFERENCE_GRID:
        st = [(n == s and p >= a) for n, p, (_, s, _) in zip(names, probs, vv) if s]
        wr = [p >= a for p, (t, s, w) in zip(probs, vv) if s is None and t == w]
        row.append(f"{a}:{sum(st) / len(st):.3f}/{sum(wr)}/{sum(x >= a for x in p2)}")
    print(k, c, bal, " ".join(row), flush=True)
