"""Would the refusal score separate better from the request's words alone? An offline look on the validation sets
only (no test set is read; ``rules.json`` was written first): each planner's nearest-neighbour memory rebuilt from
the training requests' vectors of the task text alone (without the prompt's free resources and latency budget), and
each request scored from its own task text the same way: through the planner's fine-tuned reader (``task``) or
through that reader with its LoRA adapter off, the pretrained sentence encoder (``task_base``). ``prompt`` is the
shipped score, rebuilt from the whole prompts (the script checks that it equals the decoder's own). For each, the
words' weight and the threshold are chosen as training chooses them (``choose_scope`` on val + ``planner_dev``, at
most 1% of either's in-scope requests refused, no floor); ``planner_dev2`` is used for no choice.

``python docs/results/planner_issue23/scope_task_only/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~2 min a
folder).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import runpy
import statistics
import sys
from pathlib import Path

import torch

from tomas.data import load_tool_data
from tomas.data.planner import load_planner_examples
from tomas.eval.scope import lexical_scope_margins
from tomas.io import save_json
from tomas.models.planner import prompt_states, render_prompt
from tomas.models.scope import NearestScope
from tomas.training.planner import select_training

TOPK = runpy.run_path(str(Path(__file__).resolve().parents[1] / "scope_topk" / "probe.py"), run_name="scope_topk")
"""The k-nearest probe's module: its ``decoded`` reads the three validation sets as ``tomas evaluate-planner`` does."""
SETS = TOPK["SETS"]
VARIANTS = ("prompt", "task", "task_base")
MAX_REFUSED = 0.01  # training.planner.OUT_OF_SCOPE_REFUSED


@contextlib.contextmanager
def adapter_off(lm):
    """The reader without its LoRA adapter (the planner loads it merged into the weights)."""
    lm.unmerge_adapter()
    try:
        with lm.disable_adapter():
            yield
    finally:
        lm.merge_adapter()


def states_of(planner, texts: list[str], variant: str) -> torch.Tensor:
    with adapter_off(planner.model.lm) if variant == "task_base" else contextlib.nullcontext():
        return prompt_states(planner.model, planner.tokenizer, texts, planner.device)


def texts_of(examples, variant: str) -> list[str]:
    if variant == "prompt":
        return [render_prompt(e.task, e.free_resources, e.latency_budget_ms) for e in examples]
    return [e.task.strip() for e in examples]


def training_requests(planner) -> list:
    """The requests the planner's memory was built from (``training.planner.setup``'s training examples)."""
    cfg = planner.cfg
    data = load_tool_data(cfg.data.tool_registry, cfg.data.profiling_data)
    train = select_training(load_planner_examples(cfg.data.train_file, data), cfg, planner.table)
    memory = planner.model.decoder.scope_memory
    assert len(train) == len(memory.inside), (len(train), len(memory.inside))
    assert torch.equal(torch.tensor([e.tool is not None for e in train]), memory.inside.cpu())
    return train


def rescored(planner, sets: dict, train: list, variant: str) -> dict:
    """Each set's choices with the variant's memory score (the words' weight at 0, as ``decoded`` decodes; for
    ``prompt`` the saved memory's own)."""
    memory = NearestScope(states_of(planner, texts_of(train, variant), variant),
                          planner.model.decoder.scope_memory.inside.cpu())
    out = {}
    for name, (examples, choices, _) in sets.items():
        scores = memory(states_of(planner, texts_of(examples, variant), variant)).double().tolist()
        out[name] = [dataclasses.replace(c, scope_score=s) for c, s in zip(choices, scores)]
        if variant == "prompt":  # rebuilt as the task variants are, the memory is the saved one (to rounding), whose
            assert max(abs(a.scope_score - s) for a, s in zip(choices, scores)) < 2e-3, name  # scores are shipped
            out[name] = choices
    return out


def folder_report(folder: str) -> dict:
    planner, sets = TOPK["decoded"](folder)
    assert planner.model.decoder.scope_memory.reads == "prompt", f"{folder}: a planner from before session 24 is needed"
    train = training_requests(planner)
    margins = lexical_scope_margins(planner.model.decoder, [examples for examples, _, _ in sets.values()])
    assert margins is not None, f"{folder}: no words' model (model.scope_lexical) to weigh"
    out = {}
    for variant in VARIANTS:
        out[variant] = row = TOPK["threshold_row"](sets, rescored(planner, sets, train, variant), margins, 0.0,
                                                   float("-inf"))
        if variant == "prompt":  # the shipped rule on the shipped score gives the planner's own choice
            check_own_choice(folder, row)
        print(folder, variant, row, flush=True)
    return out


def check_own_choice(folder: str, row: dict) -> None:
    """The planner's saved threshold and words' weight are what ``threshold_row`` chose from its own scores (no
    floor)."""
    shipped = json.loads((Path(folder) / "planner.json").read_text())
    assert abs(row["threshold"] - shipped["out_of_scope_above"]) < 1e-6, (row, shipped["out_of_scope_above"])
    assert row["weight"] == shipped["scope_lexical_weight"], (row, shipped["scope_lexical_weight"])


def seed_stats(seeds: dict) -> dict:
    return {v: {name: {key: [round(f(s[v][name][key] for s in seeds.values()), 2) for f in (statistics.mean,
                                                                                               statistics.stdev)]
                       for key in ("oos_recall", "in_scope_refused")} for name in SETS} for v in VARIANTS}


def decision(stats: dict) -> dict:
    """rules.json's conditions for each variant against the shipped score, then the choice between passing ones."""
    def mean3(v):
        return statistics.mean(stats[v][n]["oos_recall"][0] for n in SETS)

    old, out = stats["prompt"], {"mean_of_three": {v: round(mean3(v), 2) for v in VARIANTS}}
    for v in VARIANTS[1:]:
        new = stats[v]
        checks = {"mean_of_three_higher": mean3(v) > mean3("prompt"),
                  "lower_on_none_beyond_std": all(new[n]["oos_recall"][0] >= old[n]["oos_recall"][0] - max(
                      new[n]["oos_recall"][1], old[n]["oos_recall"][1]) for n in SETS),
                  "refused_at_most_1pct": all(new[n]["in_scope_refused"][0] <= 1.0 for n in SETS)}
        out[v] = checks | {"passes": all(checks.values())}
    passing = [v for v in VARIANTS[1:] if out[v]["passes"]]
    out["adopted"] = max(passing, key=lambda v: (mean3(v), v == "task"), default=None)
    return out


def main(path: str, folders: list[str]) -> None:
    seeds = {folder: folder_report(folder) for folder in folders}
    stats = seed_stats(seeds)
    report = {"what": __doc__.split("\n\n")[0], "rules": json.loads((Path(__file__).parent / "rules.json").read_text()),
              "mean_std": stats, "decision": decision(stats), "seeds": seeds}
    save_json(report, path)
    print(json.dumps({"mean_std": stats, "decision": report["decision"]}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
