"""Training data of the candidate (validation and test are the shipped files, byte for byte), from the repository
root: ``python docs/results/planner_issue23/short_requests/variant_data.py OUT_DIR``. The shipped training split,
then the scope-only examples of the fifth writer's short requests (the package's ``banks/training_only_w5.yaml``,
shipped since this run adopted it; out of scope, then in scope as written), merged with the third writer's
scope-only bank. The baseline is the data before it: the third writer's scope-only bank alone."""
import sys

from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
shipped = generate_planner(data, scope_only_files=("training_only_w3.yaml",))["train"]  # the data before session 21
train = generate_planner(data, scope_only_files=("training_only_w3.yaml", "training_only_w5.yaml"))["train"]
assert train[:len(shipped)] == shipped  # the new examples come after the shipped file's, which they leave alone
write_planner({"train": train}, sys.argv[1])
new = train[len(shipped):]
print(f"{sys.argv[1]}/train.jsonl: {len(shipped)} shipped + {sum(e.tool is None for e in new)} out of scope and "
      f"{sum(e.tool is not None for e in new)} in scope from the fifth writer")
