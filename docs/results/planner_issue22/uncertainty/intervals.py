"""How far the evaluation sets themselves can tell a target met from missed: for the four figures under their bars
at session 20's end (issue 22's test plan accuracy, issue 23's out-of-scope test recall, hand2 tool accuracy and its
"relative" category), the 3-seed mean and the 95% Wilson score interval of a proportion measured on that many
requests (the test set's own sampling error; averaging seeds on one set does not shrink it). Nothing is chosen from it.

``python docs/results/planner_issue22/uncertainty/intervals.py SUMMARY.json OUT.json`` (SUMMARY: a
``planner_seeds.py`` summary of the shipped preset, e.g. ``docs/results/planner_issue22/steps/steps1200_summary.json``).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

from tomas.io import save_json

Z = 1.96  # two-sided 95%


def wilson(p: float, n: int) -> tuple[float, float]:
    """The 95% Wilson score interval of a proportion ``p`` measured on ``n`` trials."""
    centre, spread = p + Z * Z / (2 * n), Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - spread) / (1 + Z * Z / n), (centre + spread) / (1 + Z * Z / n)


def requests(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def counts() -> dict[str, int]:
    """How many requests each figure is measured on."""
    test, hand2 = requests("data/planner/test.jsonl"), requests("data/planner_handwritten2/requests.jsonl")
    return {"test plan accuracy": sum(r["tool"] is not None for r in test),
            "test out-of-scope recall": sum(r["tool"] is None for r in test),
            "hand2 tool accuracy": len(hand2),
            "hand2 'relative' tool accuracy": sum(r["category"] == "relative" for r in hand2)}


def main(summary: str, out: str) -> None:
    seeds = [r["numbers"] for r in json.loads(Path(summary).read_text())["runs"]]
    values = {"test plan accuracy": [s["test"]["plan_accuracy"] for s in seeds],
              "test out-of-scope recall": [s["test"]["out_of_scope_recall"] for s in seeds],
              "hand2 tool accuracy": [s["hand2"]["tool_accuracy"] for s in seeds],
              "hand2 'relative' tool accuracy": [s["hand2_by_category"]["relative"] for s in seeds]}
    targets = {"test plan accuracy": 0.90, "test out-of-scope recall": 0.90, "hand2 tool accuracy": 0.95,
               "hand2 'relative' tool accuracy": 0.90}
    rows = {}
    for name, n in counts().items():
        mean = statistics.mean(values[name])
        low, high = wilson(mean, n)
        rows[name] = {"n": n, "seeds": [round(100 * v, 1) for v in values[name]], "mean": round(100 * mean, 1),
                      "interval_95": [round(100 * low, 1), round(100 * high, 1)], "target": 100 * targets[name],
                      "target_inside": low <= targets[name] <= high}
    save_json({"what": __doc__.split("\n\n")[0], "summary": summary, "figures": rows}, out)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
