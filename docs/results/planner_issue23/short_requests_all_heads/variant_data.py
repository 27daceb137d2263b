"""Training data of the candidate (validation and test are the shipped files), from the repository root:
``python docs/results/planner_issue23/short_requests_all_heads/variant_data.py OUT_DIR``. The shipped training file
with the fifth writer's in-scope requests as written (phrasing ``<tool>/scope-w<nnn>``) no longer scope-only, so
every head but the size term learns from them; every other line as shipped."""
import dataclasses
import sys

from tomas.data import load_tool_data
from tomas.data.planner import load_planner_examples, write_planner

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
shipped = load_planner_examples("data/planner/train.jsonl", data)
train = [dataclasses.replace(e, scope_only=False) if "/scope-w" in e.phrasing else e for e in shipped]
changed = sum(a != b for a, b in zip(shipped, train))
assert changed == sum("/scope-w" in e.phrasing for e in shipped) > 0
write_planner({"train": train}, sys.argv[1])
print(f"{sys.argv[1]}/train.jsonl: {len(train)} lines, {changed} no longer scope-only")
