"""Training data of the two variants in no_training_out_of_scope.json and hurried_typing.json (validation and test
are the shipped files, byte for byte): python variant_data.py no_training_out_of_scope|hurried OUT_DIR."""
import sys

import tomas.data.planner.out_of_scope as out_of_scope
import tomas.data.planner.text as text
from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner

variant, out = sys.argv[1], sys.argv[2]
if variant == "no_training_out_of_scope":
    out_of_scope.TRAINING_OUT_OF_SCOPE = ()
elif variant == "hurried":
    text.P_HURRIED = 0.4
else:
    raise SystemExit(f"variant: expected no_training_out_of_scope or hurried, got {variant!r}")
data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
# Before the scope-only bank, as measured; session 10 reworded 16 bank entries that named a held-out language,
# so the data differs from what was measured in those lines.
write_planner(generate_planner(data, scope_only_files=()), out)
