"""Training data of the candidate (validation and test are the shipped files), from the repository root:
``python docs/results/planner_issue23/third_writer_all_heads/variant_data.py OUT_DIR``. The shipped training file with
the third writer's in-scope template examples (phrasing ``<tool>/scope-<nnn>``) no longer scope-only and with
``size_in_text`` false: every head but the size term learns from them; every other line as shipped. The flag also
leaves them out of the words' size classifier (``model.size_lexical``, fitted on the requests whose text states a
size), which the shipped file fits on them: their slot holds a training size cue."""
import dataclasses
import re
import sys

from tomas.data import load_tool_data
from tomas.data.planner import load_planner_examples, write_planner

TEMPLATE = re.compile(r"/scope-\d+$")  # not "/scope-w<nnn>" (fifth writer, as written) nor out of scope (no tool)

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
shipped = load_planner_examples("data/planner/train.jsonl", data)
train = [dataclasses.replace(e, scope_only=False, size_in_text=False)
         if e.tool is not None and TEMPLATE.search(e.phrasing) else e for e in shipped]
changed = sum(a != b for a, b in zip(shipped, train))
assert changed == sum(e.scope_only for e in shipped) > 0, "every scope-only example is a template of a tool"
write_planner({"train": train}, sys.argv[1])
print(f"{sys.argv[1]}/train.jsonl: {len(train)} lines, {changed} no longer scope-only")
