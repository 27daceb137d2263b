"""What would reaching issue 23's out-of-scope bar cost? Each planner's refusal score (``Choice.scope_score``, decoded
as ``tomas evaluate-planner`` decodes: the nearest-neighbour memory plus the words' margin at the planner's weight) on
every request of the validation sets and, read afterwards, the test sets; then out-of-scope recall and in-scope
refusals under four threshold rules. Nothing is chosen from it.

``python docs/results/planner_issue23/scope_tradeoff/tradeoff.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` writes
OUT.json (each seed's thresholds, rates and every request's score; mean ± std per rule) and OUT.png (out-of-scope
recall and in-scope refusals against the threshold, the first seed).

Rules: ``shipped`` (the planner's own threshold: the lowest from 0 at which neither val nor ``planner_dev`` refuses
over 1% of its in-scope requests), ``val_only`` (the same rule on the generated validation split alone), ``val_only_
below_0`` (that rule without the floor at 0) and ``val_oos_90`` (the highest threshold at which 90% of val's
out-of-scope requests are refused: what the generated split would need). Every rule thresholds the same score: the
words' weight in it stays the one each planner chose under the joint rule at training.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import example_hints, predict_examples, scope_metrics
from tomas.eval.scope import scope_threshold, with_scope_threshold
from tomas.inference import load_planner
from tomas.io import save_json
from tomas.plots import png_figure

VALIDATION = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
              "dev2": "data/planner_dev2/requests.jsonl"}
TESTS = {"test": "data/planner/test.jsonl", "hand": "data/planner_handwritten/requests.jsonl",
         "hand2": "data/planner_handwritten2/requests.jsonl"}
MAX_REFUSED = 0.01


def decoded(folder: str) -> dict:
    """Per set, (examples, choices) as the evaluation reads and decodes them (size mode ``numbers``, batches of 32)."""
    planner = load_planner(folder, "cpu")
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    out = {}
    for name, path in (VALIDATION | TESTS).items():
        examples = planner.read_examples(load_planner_examples(path, data) if name in ("val", "test")
                                         else load_handwritten(path, data))
        hints = example_hints(examples, data.tools, planner.table, "numbers")
        out[name] = (examples, predict_examples(planner.model, planner.tokenizer, examples, planner.device, 32,
                                                hints=hints))
    return out


def oos_90(examples: list, choices: list) -> float:
    """The highest threshold above which at least 90% of the out-of-scope requests score."""
    out = sorted((c.scope_score for e, c in zip(examples, choices) if e.tool is None and c.scope_score is not None),
                 reverse=True)
    return out[math.ceil(0.9 * len(out)) - 1] - 1e-9  # just under the score of the last one that must be refused


def rates(examples: list, choices: list, threshold: float) -> dict:
    """Out-of-scope recall (None without out-of-scope requests) and in-scope refusals, in percent."""
    m = scope_metrics(examples, with_scope_threshold(choices, threshold))
    recall = m.get("out_of_scope_recall")
    return {"oos_recall": None if recall is None else 100 * recall, "in_scope_refused": 100 * m["in_scope_refused"]}


def seed_report(folder: str) -> dict:
    sets = decoded(folder)
    val = sets["val"]
    thresholds = {"shipped": json.loads(Path(folder, "planner.json").read_text())["out_of_scope_above"],
                  "val_only": scope_threshold(*val, MAX_REFUSED, boundary=0.0),
                  "val_only_below_0": scope_threshold(*val, MAX_REFUSED, boundary=-math.inf),
                  "val_oos_90": oos_90(*val)}
    return {"thresholds": thresholds,
            "scores": {name: {"score": [c.scope_score for c in choices],
                              "out_of_scope": [e.tool is None for e in examples]}
                       for name, (examples, choices) in sets.items()},
            "rules": {rule: {name: rates(*sets[name], t) for name in sets} for rule, t in thresholds.items()}}


def mean_std(values: list[float | None], digits: int = 1) -> str | None:
    if None in values:
        return None
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def curve_rate(scores: dict, key: str, threshold: float) -> float | None:
    """``rates`` from saved scores alone (the plot's points)."""
    picked = [s > threshold for s, o in zip(scores["score"], scores["out_of_scope"]) if o == (key == "oos_recall")]
    return 100 * sum(picked) / len(picked) if picked else None


def plot(seed: dict, path: str) -> None:
    """Out-of-scope recall (val, dev, dev2, test) and in-scope refusals (every set) against the threshold, one seed."""
    grid = [-0.3 + 0.005 * k for k in range(121)]
    with png_figure(path, (9, 4.5)) as (fig, ax):
        for name, scores in seed["scores"].items():
            for key, style in (("oos_recall", "-"), ("in_scope_refused", "--")):
                ys = [curve_rate(scores, key, t) for t in grid]
                if ys[0] is not None:
                    ax.plot(grid, ys, style, label=f"{name} {key.replace('_', ' ')}")
        for rule, t in seed["thresholds"].items():
            ax.axvline(t, color="grey", lw=0.6)
            ax.text(t, 101, rule, rotation=90, fontsize=6, va="bottom")
        ax.set_xlabel("refusal threshold (score above it: refused)")
        ax.set_ylabel("%")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()


def main() -> None:
    out, folders = sys.argv[1], sys.argv[2:]
    seeds = {folder: seed_report(folder) for folder in folders}
    summary = {}
    for rule in next(iter(seeds.values()))["rules"]:
        summary[rule] = {"threshold": mean_std([seeds[f]["thresholds"][rule] for f in folders], 3)} | {
            name: {k: mean_std([seeds[f]["rules"][rule][name][k] for f in folders])
                   for k in ("oos_recall", "in_scope_refused")} for name in VALIDATION | TESTS}
    save_json({"seeds": seeds, "summary": summary}, out)
    plot(seeds[folders[0]], out.removesuffix(".json") + ".png")
    for rule, row in summary.items():
        print(rule, json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
