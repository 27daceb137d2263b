"""Would the refusal score separate better from more than one neighbour? An offline look on the validation sets only
(no test set is read): each planner's nearest-neighbour memory (``NearestScope``: the nearest out-of-scope training
request's cosine minus the nearest in-scope one's) scored instead by the mean of the k nearest of each kind
(``diff``), or by the in-scope side alone (``in_only``: minus the mean of the k nearest in-scope cosines, the usual
k-NN novelty score). For each variant the words' weight and the threshold are chosen as training chooses them
(``choose_scope`` on val + ``planner_dev``, at most 1% of either's in-scope requests refused), then out-of-scope
recall and in-scope refusals are read on val, ``planner_dev`` and ``planner_dev2``. ``diff`` with k = 1 is the
shipped score (the script checks it equals the decoder's own).

``python docs/results/planner_issue23/scope_topk/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~1 min a folder).
"""

from __future__ import annotations

import dataclasses
import statistics
import sys

import torch
from torch.nn import functional as F

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import example_hints, predict_examples, scope_metrics
from tomas.eval.scope import choose_scope, lexical_scope_margins, with_scope_prior, with_scope_threshold
from tomas.inference import load_planner
from tomas.io import save_json
from tomas.models.planner import prompt_states, render_prompt

VARIANTS = (("diff", 1), ("diff", 2), ("diff", 3), ("diff", 5), ("diff", 10), ("in_only", 1), ("in_only", 5))
SETS = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
        "dev2": "data/planner_dev2/requests.jsonl"}
MAX_REFUSED = 0.01  # training.planner.OUT_OF_SCOPE_REFUSED


def memory_score(memory, states: torch.Tensor, kind: str, k: int) -> list[float]:
    sim = F.normalize(states.float(), dim=-1) @ memory.bank.float().T
    inside = sim.masked_fill(~memory.inside, -2.0).topk(k, -1).values.mean(-1)
    if kind == "in_only":
        return (-inside).double().tolist()
    return (sim.masked_fill(memory.inside, -2.0).topk(k, -1).values.mean(-1) - inside).double().tolist()


def decoded(folder: str) -> tuple:
    """The planner, and per set its requests, choices (the words' weight at 0) and prompt vectors."""
    planner = load_planner(folder, "cpu")
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    planner.model.decoder.scope_lexical_weight = 0.0
    sets = {}
    for name, path in SETS.items():
        examples = planner.read_examples(load_planner_examples(path, data) if name == "val"
                                         else load_handwritten(path, data))
        choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, 32,
                                   hints=example_hints(examples, data.tools, planner.table, "numbers"))
        states = prompt_states(planner.model, planner.tokenizer, [render_prompt(e.task, e.free_resources,
                               e.latency_budget_ms) for e in examples], planner.device)
        sets[name] = examples, choices, states
    return planner, sets


def threshold_row(sets: dict, scored: dict, margins: list, boundary: float, floor: float | None = None,
                  budget: float = MAX_REFUSED, halfway: bool = False) -> dict:
    """The words' weight and the threshold chosen as training chooses them (``choose_scope`` on val + ``planner_dev``,
    from ``floor``, at most ``budget`` of either's in-scope requests refused; ``halfway``: False, the rule of this
    probe's time) for the ``scored`` choices of each set (``sets``: name -> (examples, ...)), and each set's
    out-of-scope recall and in-scope refusals at them."""
    weight, threshold, _, _ = choose_scope([(sets[n][0], scored[n]) for n in ("val", "dev")], margins[:2],
                                           budget, boundary, floor, halfway)
    row = {"weight": weight, "threshold": threshold}
    for i, name in enumerate(SETS):
        m = scope_metrics(sets[name][0], with_scope_threshold(with_scope_prior(scored[name], margins[i], weight),
                                                              threshold))
        row[name] = {"oos_recall": round(100 * m["out_of_scope_recall"], 1), "num_oos": m["num_out_of_scope"],
                     "in_scope_refused": round(100 * m["in_scope_refused"], 2)}
    return row


def folder_report(folder: str) -> dict:
    planner, sets = decoded(folder)
    decoder, out = planner.model.decoder, {}
    # The states scored below are the whole prompts': the memory of a planner from before session 24.
    assert decoder.scope_memory.reads == "prompt", f"{folder}: its memory does not read the whole prompt"
    margins = lexical_scope_margins(decoder, [examples for examples, _, _ in sets.values()])
    for kind, k in VARIANTS:
        scored = {name: [dataclasses.replace(c, scope_score=s) for c, s in
                         zip(choices, memory_score(decoder.scope_memory, states, kind, k))]
                  for name, (examples, choices, states) in sets.items()}
        if (kind, k) == ("diff", 1):
            assert max(abs(a.scope_score - b.scope_score) for a, b in zip(scored["val"], sets["val"][1])) < 1e-5
        out[f"{kind}_{k}"] = row = threshold_row(sets, scored, margins, 0.0 if kind == "diff" else -1.0)
        print(folder, kind, k, row, flush=True)
    return out


def main(path: str, folders: list[str]) -> None:
    seeds = {folder: folder_report(folder) for folder in folders}
    mean = {v: {name: {key: round(statistics.mean(s[v][name][key] for s in seeds.values()), 2)
                       for key in ("oos_recall", "in_scope_refused")} for name in SETS}
            for v in next(iter(seeds.values()))}
    save_json({"what": __doc__.split("\n\n")[0], "mean": mean, "seeds": seeds}, path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
