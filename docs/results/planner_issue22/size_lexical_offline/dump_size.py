"""Per request of every validation set, as planning reads it: the gold tool and size, the planned tool, where its size
came from, the planner's log P(size | the planned tool) and the sizes allowed. One request at a time, in file order.
Usage, from the repository root: python dump_size.py PLANNER_DIR OUT_JSON (runs/scope_mix/seed_{0,1,2})."""
import json
import sys

import torch

from tomas import Planner
from tomas.models import decoder as D

SETS = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
        "dev2": "data/planner_dev2/requests.jsonl"}  # validation only: nothing here reads a test set
recorded, current = [], {}
original_sizes, original_predict = D.HierarchicalDecoder.size_log_probs, D.HierarchicalDecoder.predict


def size_log_probs(self, logits, tool_ids):
    out = original_sizes(self, logits, tool_ids)
    allowed = current.get("size_allowed")
    mask = (allowed.to(out.device)[torch.arange(len(tool_ids)), tool_ids] if allowed is not None
            else torch.ones_like(out, dtype=torch.bool))
    recorded.extend(zip(out.clamp_min(-1e30).tolist(), mask.tolist()))
    return out


def predict(self, hidden, *args, **kwargs):
    current["size_allowed"] = kwargs.get("size_allowed")
    return original_predict(self, hidden, *args, **kwargs)


D.HierarchicalDecoder.size_log_probs, D.HierarchicalDecoder.predict = size_log_probs, predict
planner = Planner.from_pretrained(sys.argv[1], device="cpu")
result = {}
for name, path in SETS.items():
    rows = [json.loads(line) for line in open(path)]
    recorded.clear()
    plans = [planner.plan_batch([{k: r[k] for k in ("task", "free_resources", "latency_budget_ms")}])[0] for r in rows]
    assert len(recorded) == len(rows), (len(recorded), len(rows))
    result[name] = [{"tool": r.get("tool"), "size": r.get("input_size"), "got_tool": p.tool, "source": p.size_source,
                     "logp": lp, "mask": m} for r, p, (lp, m) in zip(rows, plans, recorded)]
json.dump(result, open(sys.argv[2], "w"))
