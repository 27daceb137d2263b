# ruff: noqa
# The session-11 scratch script as it was run (a record; experiments/scope_scores.py is the maintained version).
"""Mahalanobis OOS score vs the scope head on the planner's own prompt vectors."""
import json, sys
import torch
from tomas.inference import load_planner
from tomas.data import load_tool_data
from tomas.data.planner.files import load_planner_examples, load_handwritten
from tomas.models.planner import prompt_states, render_prompt

SETS = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
        "dev2": "data/planner_dev2/requests.jsonl", "test": "data/planner/test.jsonl",
        "hand": "data/planner_handwritten/requests.jsonl", "hand2": "data/planner_handwritten2/requests.jsonl"}

def states(p, ex):
    return prompt_states(p.model, p.tokenizer, [render_prompt(e.task, e.free_resources, e.latency_budget_ms) for e in ex],
                         p.device, 64).double()

def main(planner_dir, train_file, out):
    p = load_planner(planner_dir, "cpu")
    data = load_tool_data(p.cfg.data.tool_registry, p.cfg.data.profiling_data)
    train = load_planner_examples(train_file, data)
    xs = states(p, train)
    lab = torch.tensor([-1 if e.tool is None else data.tool_id(e.tool) for e in train])
    res = {"train_tool": lab.tolist(), "sets": {}}
    torch.save({"train": xs, "train_tool": lab}, out + ".train.pt")
    for name, path in SETS.items():
        ex = (load_planner_examples if name in ("val", "test") else load_handwritten)(path, data)
        x = states(p, ex)
        head = torch.sigmoid(p.model.decoder.scope_head(x.float()).squeeze(-1)).double()
        torch.save({"x": x, "inscope": torch.tensor([e.tool is not None for e in ex]), "head": head}, f"{out}.{name}.pt")
    print("done", planner_dir)

if __name__ == "__main__":
    main(*sys.argv[1:])
