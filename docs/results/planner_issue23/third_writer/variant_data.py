"""Training data of the third-writer variants (validation and test are the shipped files, byte for byte):
python variant_data.py w3|w3b OUT_DIR. w3 = the second and third writers' training-only banks; w3b = the same
without the third writer's size cues (its templates and out-of-scope requests only)."""
import sys

import tomas.data.planner.out_of_scope as out_of_scope
import tomas.data.planner.text as text
from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner
from tomas.data.planner.banks import training_only_bank

variant, out = sys.argv[1], sys.argv[2]
if variant not in ("w3", "w3b"):
    raise SystemExit(f"variant: expected w3 or w3b, got {variant!r}")
both = training_only_bank(("training_only.yaml", "training_only_w3.yaml"))
cues = training_only_bank(("training_only.yaml",)) if variant == "w3b" else both
text.TRAINING_TEMPLATES = {tool: tuple(t) for tool, t in both["templates"].items()}
text.TRAINING_CUES = {units: {size: tuple(c) for size, c in cues[f"{units}_cues"].items()}
                     for units in ("image", "text")}
out_of_scope.TRAINING_OUT_OF_SCOPE = tuple(tuple(r) for r in both["out_of_scope"])
data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
# Before the scope-only bank, as measured; session 10 reworded 16 bank entries that named a held-out language,
# so the data differs from what was measured in those lines.
write_planner(generate_planner(data, scope_only_files=()), out)
