"""Training data of the candidate (validation and test are the shipped files, byte for byte), from the repository
root: ``python docs/results/planner_issue23/near_miss/variant_data.py OUT_DIR``. The shipped training split, then
the scope-only examples of the fourth writer's near-miss out-of-scope requests (``training_only_w4.yaml``, this
folder: not among the package's banks unless adopted), merged with the third writer's scope-only bank."""
import sys
from pathlib import Path

from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner
from tomas.data.planner.banks import SCOPE_ONLY_FILES

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
shipped = generate_planner(data)["train"]
w4 = str(Path(__file__).parent / "training_only_w4.yaml")
train = generate_planner(data, scope_only_files=(*SCOPE_ONLY_FILES, w4))["train"]
assert train[:len(shipped)] == shipped  # the new examples come after the shipped file's, which they leave alone
write_planner({"train": train}, sys.argv[1])
print(f"{sys.argv[1]}/train.jsonl: {len(shipped)} shipped + {sum(e.tool is None for e in train[len(shipped):])}"
      " out of scope from the fourth writer")
