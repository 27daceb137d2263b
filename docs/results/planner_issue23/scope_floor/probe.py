"""Does the floor hold the refusal threshold up? An offline look on the validation sets only (no test set is read;
``rules.json`` was written first): each planner's refusal score re-thresholded by the shipped joint rule
(``choose_scope`` on val + ``planner_dev``: the words' weight and the lowest threshold refusing at most 1% of either's
in-scope requests) with its floor at the score's own boundary (0: checked against the planner's own threshold, so
the planners must have been trained with the floor, before session 23's change) and without it; ``planner_dev2`` is
used for no choice.

``python docs/results/planner_issue23/scope_floor/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~45 s for three).
"""

from __future__ import annotations

import json
import runpy
import statistics
import sys
from pathlib import Path

from tomas.eval.scope import lexical_scope_margins
from tomas.io import save_json

TOPK = runpy.run_path(str(Path(__file__).resolve().parents[1] / "scope_topk" / "probe.py"), run_name="scope_topk")
"""The k-nearest probe's module: its ``decoded`` reads the same three validation sets the same way."""
SETS = TOPK["SETS"]
FLOORS = {"floor_0": 0.0, "no_floor": float("-inf")}
MAX_REFUSED = 0.01  # training.planner.OUT_OF_SCOPE_REFUSED


def folder_report(folder: str) -> dict:
    planner, sets = TOPK["decoded"](folder)
    sets = {name: (examples, choices) for name, (examples, choices, _) in sets.items()}
    margins = lexical_scope_margins(planner.model.decoder, [e for e, _ in sets.values()])
    assert margins is not None, f"{folder}: no words' model (model.scope_lexical) to weigh"
    shipped = json.loads((Path(folder) / "planner.json").read_text())
    out = {}
    for variant, floor in FLOORS.items():
        out[variant] = row = TOPK["threshold_row"](sets, {n: c for n, (_, c) in sets.items()}, margins, 0.0, floor)
        if variant == "floor_0":  # the shipped rule gives the planner's own choice
            assert abs(row["threshold"] - shipped["out_of_scope_above"]) < 1e-6, (row, shipped["out_of_scope_above"])
            assert row["weight"] == shipped["scope_lexical_weight"]
        print(folder, variant, row, flush=True)
    return out


def decision(mean: dict) -> dict:
    """rules.json's three conditions on the seed means."""
    old, new = mean["floor_0"], mean["no_floor"]
    checks = {"mean_of_three_higher": statistics.mean(new[n]["oos_recall"] for n in SETS)
              > statistics.mean(old[n]["oos_recall"] for n in SETS),
              "lower_on_none": all(new[n]["oos_recall"] >= old[n]["oos_recall"] for n in SETS),
              "refused_at_most_1pct": all(new[n]["in_scope_refused"] <= 1.0 for n in SETS)}
    return checks | {"adopted": all(checks.values())}


def main(path: str, folders: list[str]) -> None:
    seeds = {folder: folder_report(folder) for folder in folders}
    mean = {v: {name: {key: round(statistics.mean(s[v][name][key] for s in seeds.values()), 2)
                       for key in ("oos_recall", "in_scope_refused")} for name in SETS} for v in FLOORS}
    report = {"what": __doc__.split("\n\n")[0], "rules": json.loads((Path(__file__).parent / "rules.json").read_text()),
              "mean": mean, "decision": decision(mean), "seeds": seeds}
    save_json(report, path)
    print(json.dumps({"mean": mean, "decision": report["decision"]}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
