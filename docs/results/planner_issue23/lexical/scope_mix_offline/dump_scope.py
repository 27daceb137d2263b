"""Per request of every evaluation set: the nearest-neighbour scope score a planner refuses by (the request read as
planning reads it) and the lexical model's margin, log P(out of scope) - the best tool's log P. One request at a
time, so the order is kept. Usage: python dump_scope.py PLANNER_DIR OUT_JSON (runs/lexical/seed_{0,1,2})."""
import json
import sys

from tomas import Planner
from tomas.models import decoder as D
from tomas.models.lexical import NO_TOOL

SETS = {"val": "data/planner/val.jsonl", "test": "data/planner/test.jsonl",
        "dev": "data/planner_dev/requests.jsonl", "dev2": "data/planner_dev2/requests.jsonl",
        "hand": "data/planner_handwritten/requests.jsonl", "hand2": "data/planner_handwritten2/requests.jsonl"}
recorded = []
original = D.HierarchicalDecoder.scope_scores


def scope_scores(self, hidden, out):
    probs, scores = original(self, hidden, out)
    recorded.append(scores[0])
    return probs, scores


D.HierarchicalDecoder.scope_scores = scope_scores
planner = Planner.from_pretrained(sys.argv[1], device="cpu")
lexical = planner._loaded.model.decoder.lexical
result = {}
for name, path in SETS.items():
    rows = [json.loads(line) for line in open(path)]
    result[name] = []
    for r in rows:
        plan = planner.plan_batch([{k: r[k] for k in ("task", "free_resources", "latency_budget_ms")}])[0]
        logp = dict(zip(lexical.classes, lexical.class_log_probs([plan.task_read_as or r["task"]])[0].tolist()))
        margin = logp[NO_TOOL] - max(v for c, v in logp.items() if c != NO_TOOL)
        result[name].append({"gold": r.get("tool"), "scope": recorded[-1], "lex_margin": margin,
                             "refused": plan.tool is None})
json.dump(result, open(sys.argv[2], "w"))
