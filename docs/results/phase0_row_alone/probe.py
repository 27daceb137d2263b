"""Per-field teacher-forced accuracy of a Phase 0 run's latest state on a fixed sample of configurations."""
import sys

import torch

from tomas.artifacts.assets import load_checkpoint_for
from tomas.data import ToolData
from tomas.eval.readback import teacher_forced_exact_match
from tomas.models.llm import load_llm
from tomas.models.self_encoding import PromptCache

torch.set_num_threads(1)
path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 96
ckpt, model, data = load_checkpoint_for(path, "data/tool_registry/tools.json", "data/profiling/profiling.csv", None)
ids = sorted(torch.randperm(len(data.configs), generator=torch.Generator().manual_seed(1))[:n].tolist())
sub = ToolData(data.tools, [data.configs[i] for i in ids], data.fingerprint)
llm = load_llm(ckpt["llm_model"], torch.device("cpu"))
cache = PromptCache(llm.model, model.adapter.prompt_before, model.adapter.soft_prompt)
r = teacher_forced_exact_match(model, llm, sub, "cpu", cache)
fields = " ".join(f"{k} {v:.2f}" for k, v in r["per_field"].items())
print(f"step {ckpt['step']} exact {r['exact_match']:.3f} {fields}")
for ex in r["worst_examples"][:2]:
    print("  ", ex["generated"][:200])
