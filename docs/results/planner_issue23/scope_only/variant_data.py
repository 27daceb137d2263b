"""Training data of the two rows (validation and test are the shipped files, byte for byte):
``python variant_data.py base|w3s OUT_DIR``. base = the generator's training split without a scope-only bank
(the shipped file before session 10); w3s = the same, then the third writer's bank (``banks/training_only_w3.yaml``)
as a scope-only bank: one example per template, in scope and marked ``scope_only`` (the tool, size and
configuration terms skip it), and one per out-of-scope request (``tomas.data.planner.scope_only``). Since session
10, w3s is the shipped ``data/planner/train.jsonl``."""
import sys

from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner

variant, out = sys.argv[1], sys.argv[2]
if variant not in ("base", "w3s"):
    raise SystemExit(f"variant: expected base or w3s, got {variant!r}")
data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
base = generate_planner(data, scope_only_files=())["train"]
train = base if variant == "base" else generate_planner(data, scope_only_files=("training_only_w3.yaml",))["train"]
assert train[:len(base)] == base  # the scope-only examples come after the split's own, which they leave alone
write_planner({"train": train}, out)
print(f"{out}/train.jsonl: {len(base)} + {sum(e.scope_only for e in train)} scope-only in scope"
      f" + {sum(e.tool is None for e in train[len(base):])} out of scope (third writer)")
