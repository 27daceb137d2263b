"""What each row set carries, read linearly (tomas.eval.rows.row_probe: ridge on a seeded 80%, scored on the rest):
the row-alone export, the staged export, and random rows of the same shape.
Usage (repository root):
python docs/results/phase0_value_row_alone/rows_probe.py ROW_ALONE_ASSETS STAGED_ASSETS > rows.json"""
import json
import sys

import torch

from tomas.artifacts.assets import WEIGHTS, load_weights
from tomas.data import load_tool_data
from tomas.eval.rows import row_probe

data = load_tool_data("data/tool_registry/tools.json", "data/profiling/profiling.csv")
out = {}
for name, folder in (("row_alone", sys.argv[1]), ("staged", sys.argv[2])):
    hidden = torch.load(f"{folder}/{WEIGHTS}", map_location="cpu", weights_only=True)["hidden_dim"]
    rows = load_weights(f"{folder}/{WEIGHTS}", len(data.configs), hidden)
    out[name] = row_probe(rows, data)
    if name == "staged":
        noise = torch.randn(rows.shape, generator=torch.Generator().manual_seed(0)) * rows.std() + rows.mean()
        out["random"] = row_probe(noise, data)
print(json.dumps(out, indent=1))
