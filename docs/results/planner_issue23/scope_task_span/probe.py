"""Would the task's own tokens in the decoder's one pass do what a second pass over the task text does? An offline
look on the validation sets only (no test set is read; ``rules.json`` was written first): each planner's
nearest-neighbour memory rebuilt from the mean of each training request's task tokens' states in the pass over its
whole prompt (``span``; the span found from the tokenizer's character offsets), each request scored the same way,
against the shipped score (``task``: a second pass over the task text alone, ``model.scope_text: task``; the
planner's own scores). For each, the words' weight and the threshold are chosen as training chooses them
(``choose_scope`` on val + ``planner_dev``, at most 1% of either's in-scope requests refused, no floor);
``planner_dev2`` is used for no choice.

``python docs/results/planner_issue23/scope_task_span/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~3 min a
folder).
"""

from __future__ import annotations

import dataclasses
import json
import runpy
import statistics
import sys
from pathlib import Path

import torch

from tomas.eval.scope import lexical_scope_margins
from tomas.io import save_json
from tomas.models.planner import PROMPT, render_prompt
from tomas.models.scope import NearestScope

HERE = Path(__file__).resolve().parent
TASK_ONLY = runpy.run_path(str(HERE.parent / "scope_task_only" / "probe.py"), run_name="scope_task_only")
"""The words-alone probe's module: its ``TOPK`` reads the three validation sets, ``training_requests`` the memory's."""
TOPK, SETS = TASK_ONLY["TOPK"], TASK_ONLY["SETS"]
VARIANTS = ("task", "span")
START = PROMPT.index("{task}")
assert PROMPT[:START].count("{") == 0, "the task must be the prompt's first field"


@torch.no_grad()
def span_states(planner, examples, batch_size: int = 32) -> torch.Tensor:
    """[len(examples), hidden]: the mean of each prompt's task tokens' last-layer states, from the pass over it all."""
    body, out = planner.model.reader().body.eval(), []
    for i in range(0, len(examples), batch_size):
        chunk = examples[i:i + batch_size]
        prompts = [render_prompt(e.task, e.free_resources, e.latency_budget_ms) for e in chunk]
        enc = planner.tokenizer(prompts, return_offsets_mapping=True, padding=True, return_tensors="pt")
        spans = [(START, START + len(e.task.strip())) for e in chunk]  # the task is the prompt's first field
        inside = torch.tensor([[s <= a and b <= t and b > a for a, b in row] for row, (s, t) in
                               zip(enc["offset_mapping"].tolist(), spans)], dtype=torch.float32)
        assert bool((inside.sum(1) > 0).all()), "a task with no tokens"
        states = body(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state.float()
        out.append((states * inside[..., None]).sum(1) / inside.sum(1, keepdim=True))
    return torch.cat(out)


def folder_report(folder: str) -> dict:
    planner, sets = TOPK["decoded"](folder)
    assert planner.model.decoder.scope_memory.reads == "task", f"{folder}: a planner of session 24 is needed"
    train = TASK_ONLY["training_requests"](planner)
    margins = lexical_scope_margins(planner.model.decoder, [examples for examples, _, _ in sets.values()])
    memory = NearestScope(span_states(planner, train), planner.model.decoder.scope_memory.inside.cpu())
    scored = {"task": {n: choices for n, (_, choices, _) in sets.items()},
              "span": {n: [dataclasses.replace(c, scope_score=s) for c, s in
                           zip(choices, memory(span_states(planner, examples)).double().tolist())]
                       for n, (examples, choices, _) in sets.items()}}
    out = {}
    for variant in VARIANTS:
        out[variant] = row = TOPK["threshold_row"](sets, scored[variant], margins, 0.0, float("-inf"))
        if variant == "task":  # the shipped rule on the shipped score gives the planner's own choice
            TASK_ONLY["check_own_choice"](folder, row)
        print(folder, variant, row, flush=True)
    return out


def decision(stats: dict) -> dict:
    """rules.json's conditions: non-inferiority of ``span`` against the second pass."""
    def mean3(v):
        return statistics.mean(stats[v][n]["oos_recall"][0] for n in SETS)

    old, new = stats["task"], stats["span"]
    checks = {"mean_of_three_at_least_minus_0_5": mean3("span") >= mean3("task") - 0.5,
              "lower_on_none_beyond_std": all(new[n]["oos_recall"][0] >= old[n]["oos_recall"][0] - max(
                  new[n]["oos_recall"][1], old[n]["oos_recall"][1]) for n in SETS),
              "refused_at_most_1pct": all(new[n]["in_scope_refused"][0] <= 1.0 for n in SETS)}
    return {"mean_of_three": {v: round(mean3(v), 2) for v in VARIANTS}} | checks | {"adopted": all(checks.values())}


def main(path: str, folders: list[str]) -> None:
    seeds = {folder: folder_report(folder) for folder in folders}
    stats = {v: {name: {key: [round(f(s[v][name][key] for s in seeds.values()), 2) for f in (statistics.mean,
                                                                                               statistics.stdev)]
                        for key in ("oos_recall", "in_scope_refused")} for name in SETS} for v in VARIANTS}
    report = {"what": __doc__.split("\n\n")[0], "rules": json.loads((HERE / "rules.json").read_text()),
              "mean_std": stats, "decision": decision(stats), "seeds": seeds}
    save_json(report, path)
    print(json.dumps({"mean_std": stats, "decision": report["decision"]}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
