"""Training data with the summaries-that-name-a-language bank (validation and test are the shipped files, byte for
byte): python variant_data.py OUT_DIR [BANK]. The shipped training-only bank plus BANK (default: this folder's
``training_only_languages.yaml``, not adopted, so not among the package's banks; session 17's second try passes
``../language_named/training_only_languages.yaml``)."""
import json
import sys
from pathlib import Path

import tomas.data.planner.text as text
from tomas.data import load_tool_data
from tomas.data.planner import generate_planner, write_planner
from tomas.data.planner.banks import training_only_bank

extra = sys.argv[2] if len(sys.argv) > 2 else str(Path(__file__).parent / "training_only_languages.yaml")
bank = training_only_bank(("training_only.yaml", str(Path(extra).resolve())))
text.TRAINING_TEMPLATES = {tool: tuple(t) for tool, t in bank["templates"].items()}
data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
splits = generate_planner(data)
write_planner(splits, sys.argv[1])
first_new = len(training_only_bank(("training_only.yaml",))["templates"]["text_summarization"])
summaries = [e for e in splits["train"] if e.tool == "text_summarization"]
new = [e for e in summaries if "/extra-" in e.phrasing and int(e.phrasing.rsplit("-", 1)[1]) >= first_new]
counts = {"train": len(splits["train"]), "summaries": len(summaries), "summaries_from_the_new_templates": len(new)}
(Path(sys.argv[1]) / "counts.json").write_text(json.dumps(counts, indent=1) + "\n")
print(counts)
