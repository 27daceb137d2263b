"""Would the refusal score separate better with the planner's other two signals of a request no tool serves? An
offline look on the validation sets only (no test set is read; ``rules.json`` was written first): the shipped score
(nearest-neighbour margin + beta x the words' out-of-scope margin) plus gamma x the scope head's logit (``head``) or
delta x -log of the chosen tool's probability (``doubt``). Each weight pair and its threshold are chosen as training
chooses beta (``choose_scope``'s rule on val + ``planner_dev``, at most 1% of either's in-scope requests refused);
``planner_dev2`` is used for no choice. The added weight 0 is the shipped score (checked against ``choose_scope``).

``python docs/results/planner_issue23/scope_signals/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~45 s for three).
"""

from __future__ import annotations

import dataclasses
import math
import runpy
import statistics
import sys
from pathlib import Path

from tomas.eval.planner import scope_metrics
from tomas.eval.scope import (
    SCOPE_GRID,
    choose_scope,
    joint_scope_threshold,
    lexical_scope_margins,
    with_scope_threshold,
)
from tomas.io import save_json

TOPK = runpy.run_path(str(Path(__file__).resolve().parents[1] / "scope_topk" / "probe.py"), run_name="scope_topk")
"""The k-nearest probe's module: its ``decoded`` reads the same three validation sets the same way."""
SETS = TOPK["SETS"]
ADDED_GRID = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1)
MAX_REFUSED = 0.01  # training.planner.OUT_OF_SCOPE_REFUSED


def head_logit(c) -> float:
    p = min(max(c.out_of_scope_prob, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


SIGNALS = {"head": head_logit, "doubt": lambda c: -math.log(max(c.tool_prob, 1e-9))}


def decoded(folder: str) -> tuple[dict, list]:
    """Per set its requests and choices (the words' weight at 0), and the words' margins of each set."""
    planner, sets = TOPK["decoded"](folder)
    sets = {name: (examples, choices) for name, (examples, choices, _) in sets.items()}
    return sets, lexical_scope_margins(planner.model.decoder, [e for e, _ in sets.values()])


def scored(choices, margins, signal, beta: float, weight: float) -> list:
    return [c if c.scope_score is None else
            dataclasses.replace(c, scope_score=c.scope_score + beta * float(m) + weight * signal(c))
            for c, m in zip(choices, margins)]


def choose(sets: dict, margins: list, signal, grid: tuple[float, ...] = ADDED_GRID) -> tuple[float, float, float]:
    """(beta, added weight, threshold): the most out-of-scope requests of val + dev refused at the joint threshold;
    ties: the smaller added weight, then the smaller beta."""
    best = None
    for weight in grid:
        for beta in SCOPE_GRID:
            mixed = [(sets[n][0], scored(sets[n][1], margins[i], signal, beta, weight)) for i, n in enumerate(SETS)]
            threshold = joint_scope_threshold(mixed[:2], MAX_REFUSED, 0.0, halfway=False)  # the rule of its time
            caught = sum(c.scope_score > threshold for examples, choices in mixed[:2]
                         for e, c in zip(examples, choices) if e.tool is None)
            if best is None or caught > best[0]:
                best = (caught, beta, weight, threshold)
    return best[1:]


def folder_report(folder: str) -> dict:
    sets, margins = decoded(folder)
    assert margins is not None, f"{folder}: no lexical model or nearest-neighbour memory"
    shipped = choose_scope([sets[n] for n in ("val", "dev")], margins[:2], MAX_REFUSED, 0.0, halfway=False)
    beta, _, threshold = choose(sets, margins, SIGNALS["head"], grid=(0.0,))
    assert beta == shipped[0] and abs(threshold - shipped[1]) < 1e-5, "weight 0 is not the shipped choice"
    out = {}
    for name, signal in SIGNALS.items():
        for only_shipped in (True, False):
            if only_shipped and name != "head":
                continue
            beta, weight, threshold = choose(sets, margins, signal) if not only_shipped else (*shipped[:1], 0.0,
                                                                                                shipped[1])
            row = {"beta": beta, "weight": weight, "threshold": threshold}
            for i, n in enumerate(SETS):
                m = scope_metrics(sets[n][0], with_scope_threshold(
                    scored(sets[n][1], margins[i], signal, beta, weight), threshold))
                row[n] = {"oos_recall": round(100 * m["out_of_scope_recall"], 1), "num_oos": m["num_out_of_scope"],
                          "in_scope_refused": round(100 * m["in_scope_refused"], 2)}
            out["shipped" if only_shipped else name] = row
            print(folder, "shipped" if only_shipped else name, row, flush=True)
    return out


def main(path: str, folders: list[str]) -> None:
    seeds = {folder: folder_report(folder) for folder in folders}
    summary = {v: {n: {k: {"mean": round(statistics.mean(s[v][n][k] for s in seeds.values()), 2),
                           "std": round(statistics.stdev(s[v][n][k] for s in seeds.values()), 2)
                           if len(seeds) > 1 else 0.0}
                       for k in ("oos_recall", "in_scope_refused")} for n in SETS}
               for v in next(iter(seeds.values()))}
    save_json({"what": __doc__.split("\n\n")[0], "summary": summary, "seeds": seeds}, path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
