"""The scope memory's size in planners' ``heads.safetensors`` (``scope_memory.bank``: unit vectors in half
precision). From the repository root:
``python docs/results/planner_issue23/scope_ensemble/memory_size.py runs/s25b/span/seed_0 runs/s26/span_prompt/seed_0
> docs/results/planner_issue23/scope_ensemble/memory_size.json`` (instant)."""
import json
import os
import sys

from safetensors import safe_open


def size(folder: str) -> dict:
    path = os.path.join(folder, "heads.safetensors")
    with safe_open(path, "pt") as heads:
        shape = list(heads.get_slice("scope_memory.bank").get_shape())
    return {"heads_safetensors_bytes": os.path.getsize(path), "scope_memory_bank_shape": shape,
            "scope_memory_bank_bytes": shape[0] * shape[1] * 2}


if __name__ == "__main__":
    print(json.dumps({"what": __doc__.split("\n")[0], "planners": {f: size(f) for f in sys.argv[1:]}}, indent=1))
