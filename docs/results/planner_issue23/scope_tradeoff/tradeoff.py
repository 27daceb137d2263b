"""What would reaching issue 23's out-of-scope bar cost? Each planner's refusal score (the shipped one: nearest
neighbours + the words' margin at its chosen weight) on every request of the validation sets and, read afterwards,
the test sets; then out-of-scope recall and in-scope refusals under four threshold rules. Nothing is chosen from it.

``python docs/results/planner_issue23/scope_tradeoff/tradeoff.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` writes
OUT.json (each seed's thresholds, rates and every request's score; mean ± std per rule) and OUT.png (out-of-scope
recall and in-scope refusals against the threshold, the first seed).

Rules: ``shipped`` (the planner's own threshold: the lowest from 0 at which neither val nor ``planner_dev`` refuses
over 1% of its in-scope requests), ``val_only`` (the same rule on the generated validation split alone), ``val_only_
below_0`` (that rule without the floor at 0) and ``val_oos_90`` (the highest threshold at which 90% of val's
out-of-scope requests are refused: what the generated split would need).
"""

from __future__ import annotations

import json
import math
import statistics
import sys

from tomas import Planner
from tomas.models import decoder as D
from tomas.plots import png_figure

VALIDATION = {"val": "data/planner/val.jsonl", "dev": "data/planner_dev/requests.jsonl",
              "dev2": "data/planner_dev2/requests.jsonl"}
TESTS = {"test": "data/planner/test.jsonl", "hand": "data/planner_handwritten/requests.jsonl",
         "hand2": "data/planner_handwritten2/requests.jsonl"}
MAX_REFUSED = 0.01


def scores_of(planner: Planner, path: str, recorded: list) -> dict:
    """Every request's refusal score and whether it is out of scope; one request at a time, so the scores the
    hook records stay in file order."""
    rows = [json.loads(line) for line in open(path)]
    recorded.clear()
    for r in rows:
        planner.plan_batch([{k: r[k] for k in ("task", "free_resources", "latency_budget_ms")}])
    assert len(recorded) == len(rows), (path, len(recorded), len(rows))
    return {"score": list(recorded), "out_of_scope": [r.get("tool") is None for r in rows]}


def lowest_threshold(s: dict, floor: float | None) -> float:
    """The lowest threshold (from ``floor``) above which at most ``MAX_REFUSED`` of the in-scope requests score."""
    inside = sorted((x for x, o in zip(s["score"], s["out_of_scope"]) if not o), reverse=True)
    t = inside[int(MAX_REFUSED * len(inside))]
    return t if floor is None else max(floor, t)


def oos_90(s: dict) -> float:
    """The highest threshold above which at least 90% of the out-of-scope requests score."""
    out = sorted((x for x, o in zip(s["score"], s["out_of_scope"]) if o), reverse=True)
    return out[math.ceil(0.9 * len(out)) - 1] - 1e-9  # just under the score of the last one that must be refused


def rates(s: dict, threshold: float) -> dict:
    refused = [x > threshold for x in s["score"]]
    oos = [r for r, o in zip(refused, s["out_of_scope"]) if o]
    inside = [r for r, o in zip(refused, s["out_of_scope"]) if not o]
    return {"oos_recall": 100 * sum(oos) / len(oos) if oos else None,  # the first hand-written set has none
            "in_scope_refused": 100 * sum(inside) / len(inside)}


def seed_report(folder: str) -> dict:
    recorded: list = []
    original = D.HierarchicalDecoder.scope_scores

    def hooked(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        recorded.extend(out[1])
        return out

    D.HierarchicalDecoder.scope_scores = hooked
    try:
        planner = Planner.from_pretrained(folder, device="cpu")
        sets = {name: scores_of(planner, path, recorded) for name, path in (VALIDATION | TESTS).items()}
    finally:
        D.HierarchicalDecoder.scope_scores = original
    shipped = json.loads(open(f"{folder}/planner.json").read())["out_of_scope_above"]
    thresholds = {"shipped": shipped, "val_only": lowest_threshold(sets["val"], 0.0),
                  "val_only_below_0": lowest_threshold(sets["val"], None), "val_oos_90": oos_90(sets["val"])}
    return {"thresholds": thresholds, "scores": sets,
            "rules": {rule: {name: rates(s, t) for name, s in sets.items()} for rule, t in thresholds.items()}}


def mean_std(values: list[float | None]) -> str | None:
    if None in values:
        return None
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def plot(seed: dict, path: str) -> None:
    """Out-of-scope recall (val, test) and in-scope refusals (every set) against the threshold, one seed."""
    grid = [-0.3 + 0.005 * k for k in range(121)]
    with png_figure(path, (9, 4.5)) as (fig, ax):
        for name, s in seed["scores"].items():
            for key, style in (("oos_recall", "-"), ("in_scope_refused", "--")):
                ys = [rates(s, t)[key] for t in grid]
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
        summary[rule] = {"threshold": mean_std([seeds[f]["thresholds"][rule] for f in folders])} | {
            name: {k: mean_std([seeds[f]["rules"][rule][name][k] for f in folders])
                   for k in ("oos_recall", "in_scope_refused")} for name in VALIDATION | TESTS}
    json.dump({"seeds": seeds, "summary": summary}, open(out, "w"))
    plot(seeds[folders[0]], out.removesuffix(".json") + ".png")
    for rule, row in summary.items():
        print(rule, json.dumps(row))


if __name__ == "__main__":
    main()
