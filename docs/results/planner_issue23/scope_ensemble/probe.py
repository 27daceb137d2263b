"""Would a second view of the request in the refusal score, or a tighter budget, keep people's in-scope requests from
being refused? An offline look on the validation sets only (no test set is read; ``rules.json`` was written first):
session 25's planners (``model.scope_text: span``) scored by their own memory (``span``), by the mean of that margin
and a second memory's over the training prompts' decoder vectors (``span_prompt``; built, the one pass gives both)
or over the training requests' words read alone (``span_task``: session 24's second pass), and by their own score at
half the refusal budget (``budget_half``). For each, the words' weight and the threshold are chosen as training
chooses them (``choose_scope`` on val + ``planner_dev``, no floor, the threshold halfway up); ``planner_dev2`` is used
for no choice.

``python docs/results/planner_issue23/scope_ensemble/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~1 min a
folder).
"""

from __future__ import annotations

import dataclasses
import json
import runpy
import statistics
import sys
from pathlib import Path

from tomas.eval.scope import lexical_scope_margins
from tomas.io import save_json
from tomas.models.planner import render_prompt, scope_states
from tomas.models.scope import NearestScope

HERE = Path(__file__).resolve().parent
TOPK = runpy.run_path(str(HERE.parent / "scope_topk" / "probe.py"), run_name="scope_topk")
TASK_ONLY = runpy.run_path(str(HERE.parent / "scope_task_only" / "probe.py"), run_name="scope_task_only")
SETS = TOPK["SETS"]
VARIANTS = {"span": 0.01, "span_prompt": 0.01, "span_task": 0.01, "budget_half": 0.005}
"""Each variant's refusal budget (training.planner.OUT_OF_SCOPE_REFUSED is 0.01)."""


def prompts_of(examples) -> list[str]:
    return [render_prompt(e.task, e.free_resources, e.latency_budget_ms) for e in examples]


def view_margins(planner, train, sets: dict, states, reads: str) -> dict[str, list[float]]:
    """Each set's margins from a memory of the training requests' ``states`` (examples -> vectors, what ``reads``)."""
    memory = NearestScope(states(train), planner.model.decoder.scope_memory.inside.cpu(), reads)
    return {name: memory(states(examples)).double().tolist() for name, (examples, _, _) in sets.items()}


def second_view(planner, train, sets: dict, reads: str) -> dict[str, list[float]]:
    """Each set's margins from a memory of the training requests that ``reads`` their prompts or their words."""
    return view_margins(planner, train, sets, lambda examples: scope_states(
        planner.model, planner.tokenizer, reads, [e.task for e in examples], prompts_of(examples), planner.device),
        reads)


def folder_report(folder: str) -> dict:
    planner, sets = TOPK["decoded"](folder)
    assert planner.model.decoder.scope_memory.reads == "span", f"{folder}: a planner of session 25 is needed"
    train = TASK_ONLY["training_requests"](planner)
    margins = lexical_scope_margins(planner.model.decoder, [examples for examples, _, _ in sets.values()])
    views = {"prompt": second_view(planner, train, sets, "prompt"), "task": second_view(planner, train, sets, "task")}
    out = {}
    for variant, budget in VARIANTS.items():
        other = views.get(variant.removeprefix("span_"))
        scored = {name: choices if other is None else
                  [dataclasses.replace(c, scope_score=(c.scope_score + s) / 2) for c, s in zip(choices, other[name])]
                  for name, (_, choices, _) in sets.items()}
        out[variant] = row = TOPK["threshold_row"](sets, scored, margins, 0.0, float("-inf"), budget, halfway=True)
        if variant == "span":  # the shipped rule on the shipped score gives the planner's own choice
            TASK_ONLY["check_own_choice"](folder, row)
        print(folder, variant, row, flush=True)
    return out


def mean_of_three(stats: dict, variant: str) -> float:
    """The variant's mean over seeds of the three validation sets' out-of-scope recall, equal weight."""
    return statistics.mean(stats[variant][n]["oos_recall"][0] for n in SETS)


def common_checks(stats: dict, base: str, variant: str) -> dict[str, bool]:
    """The conditions every refusal-score rule since session 26 shares: no set's recall lower than ``base``'s beyond
    the larger seed std, and at most 1% of each set's in-scope requests refused."""
    old, new = stats[base], stats[variant]
    return {"lower_on_none_beyond_std": all(new[n]["oos_recall"][0] >= old[n]["oos_recall"][0] - max(
                new[n]["oos_recall"][1], old[n]["oos_recall"][1]) for n in SETS),
            "refused_at_most_1pct": all(new[n]["in_scope_refused"][0] <= 1.0 for n in SETS)}


def decision(stats: dict) -> dict:
    """rules.json's conditions for each candidate against ``span``, and the choice among those that pass."""
    old, checks = stats["span"], {}
    for v in (v for v in stats if v != "span"):
        checks[v] = {"dev2_refused_0_3_lower": stats[v]["dev2"]["in_scope_refused"][0]
                     <= old["dev2"]["in_scope_refused"][0] - 0.3,
                     "mean_of_three_at_least_minus_0_5": mean_of_three(stats, v) >= mean_of_three(stats, "span") - 0.5,
                     **common_checks(stats, "span", v)}
    passing = [v for v in checks if all(checks[v].values())]
    ranked = sorted(passing, key=lambda v: (v == "span_task", -mean_of_three(stats, v),
                                            stats[v]["dev2"]["in_scope_refused"][0]))
    return {"mean_of_three": {v: round(mean_of_three(stats, v), 2) for v in stats}, "checks": checks,
            "adopted": ranked[0] if ranked else None}


def summarize(path: str, seeds: dict, variants, decide, rules: Path, what: str) -> None:
    """Each variant's mean and std over ``seeds`` (folder -> ``folder_report``) on each set, ``decide``'s verdict on
    them by ``rules``, and the seeds' rows, written to ``path``."""
    stats = {v: {name: {key: [round(f(s[v][name][key] for s in seeds.values()), 2) for f in (statistics.mean,
                                                                                               statistics.stdev)]
                        for key in ("oos_recall", "in_scope_refused")} for name in SETS} for v in variants}
    report = {"what": what, "rules": json.loads(rules.read_text()), "mean_std": stats, "decision": decide(stats),
              "seeds": seeds}
    save_json(report, path)
    print(json.dumps({"mean_std": stats, "decision": report["decision"]}, indent=1))


def main(path: str, folders: list[str]) -> None:
    summarize(path, {folder: folder_report(folder) for folder in folders}, VARIANTS, decision, HERE / "rules.json",
              __doc__.split("\n\n")[0])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
