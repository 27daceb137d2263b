"""Training data with the summaries-that-name-a-language bank (validation and test are the shipped files, byte for
byte): python variant_data.py OUT_DIR. The shipped training-only bank plus ``training_only_languages.yaml`` (this
folder: not adopted, so not among the package's banks)."""
import sys
from pathlib import Path

import tomas.data.planner.text as text
from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner
from tomas.data.planner.banks import training_only_bank

bank = training_only_bank(("training_only.yaml", str(Path(__file__).parent / "training_only_languages.yaml")))
text.TRAINING_TEMPLATES = {tool: tuple(t) for tool, t in bank["templates"].items()}
data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
write_planner(generate_planner(data), sys.argv[1])
