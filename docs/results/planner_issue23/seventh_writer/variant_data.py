"""Training data of the candidate (validation and test are the shipped files, byte for byte), from the repository
root: ``python docs/results/planner_issue23/seventh_writer/variant_data.py OUT_DIR``. The training split of session
26 plus the seventh and eighth writers' requests (``banks/training_only_w7.yaml``, ``training_only_w8.yaml``, from
filter.py over their raw files): out of scope, scope-only; in scope as written, teaching every term but the size,
like the fifth and sixth writers'."""
import sys
from collections import Counter

from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner

BEFORE = ("training_only_w3.yaml", "training_only_w5.yaml", "training_only_w6.yaml")  # shipped in session 26
data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
shipped = generate_planner(data, scope_only_files=BEFORE)["train"]
train = generate_planner(data, scope_only_files=(*BEFORE, "training_only_w7.yaml", "training_only_w8.yaml"))["train"]
# The new examples join the shipped ones, which they leave alone (the scope-only banks' examples are grouped by
# kind, so the new ones sit among them, not all at the end).
assert not Counter(map(repr, shipped)) - Counter(map(repr, train))
write_planner({"train": train}, sys.argv[1])
new = len(train) - len(shipped)
print(f"{sys.argv[1]}/train.jsonl: {len(shipped)} shipped + {new} from the seventh and eighth writers "
      f"({sum(e.tool is None for e in train) - sum(e.tool is None for e in shipped)} out of scope)")
