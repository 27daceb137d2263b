"""Would a view of the request through the frozen sentence encoder keep the refusal score's two views from failing
together? An offline look on the validation sets only (no test set is read; ``rules.json`` was written first): session
26's planners (``model.scope_text: span_prompt``) scored by their own memory (``span_prompt``), by a memory of the
training requests' words read by the frozen MiniLM (its LoRA adapter off: ``frozen``, session 24's ``task_base``), and
by the mean of the three views' margins (``span_prompt_frozen``). For each, the words' weight and the threshold are
chosen as training chooses them (``choose_scope`` on val + ``planner_dev``, no floor, the threshold halfway up).

``python docs/results/planner_issue23/scope_frozen/probe.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~1 min a folder).
"""

from __future__ import annotations

import dataclasses
import runpy
import sys
from pathlib import Path

from tomas.eval.scope import lexical_scope_margins

HERE = Path(__file__).resolve().parent
TOPK = runpy.run_path(str(HERE.parent / "scope_topk" / "probe.py"), run_name="scope_topk")
TASK_ONLY = runpy.run_path(str(HERE.parent / "scope_task_only" / "probe.py"), run_name="scope_task_only")
ENSEMBLE = runpy.run_path(str(HERE.parent / "scope_ensemble" / "probe.py"), run_name="scope_ensemble")
"""Session 26's probe: the rules' shared conditions and the report it writes."""
MEAN3 = ENSEMBLE["mean_of_three"]
SETS = TOPK["SETS"]
VARIANTS = ("span_prompt", "frozen", "span_prompt_frozen")


def frozen_margins(planner, train, sets: dict) -> dict[str, list[float]]:
    """Each set's margins from a memory of the training requests' words read by the frozen encoder."""
    return ENSEMBLE["view_margins"](planner, train, sets, lambda examples: TASK_ONLY["states_of"](
        planner, TASK_ONLY["texts_of"](examples, "task_base"), "task_base"), "task")


def folder_report(folder: str) -> dict:
    planner, sets = TOPK["decoded"](folder)
    assert planner.model.decoder.scope_memory.reads == "span_prompt", f"{folder}: a planner of session 26 is needed"
    train = TASK_ONLY["training_requests"](planner)
    margins = lexical_scope_margins(planner.model.decoder, [examples for examples, _, _ in sets.values()])
    frozen = frozen_margins(planner, train, sets)
    mixes = {"span_prompt": lambda s, f: s, "frozen": lambda s, f: f,
             "span_prompt_frozen": lambda s, f: (2 * s + f) / 3}  # the shipped score is its two views' mean
    out = {}
    for variant, mix in mixes.items():
        scored = {name: [dataclasses.replace(c, scope_score=mix(c.scope_score, f))
                         for c, f in zip(choices, frozen[name])] for name, (_, choices, _) in sets.items()}
        out[variant] = row = TOPK["threshold_row"](sets, scored, margins, 0.0, float("-inf"), halfway=True)
        if variant == "span_prompt":  # the shipped rule on the shipped score gives the planner's own choice
            TASK_ONLY["check_own_choice"](folder, row)
        print(folder, variant, row, flush=True)
    return out


def decision(stats: dict) -> dict:
    """rules.json's conditions for each candidate against ``span_prompt``, and the choice among those that pass."""
    old, checks = stats["span_prompt"], {}
    for v in VARIANTS[1:]:
        checks[v] = {"mean_of_three_higher": MEAN3(stats, v) > MEAN3(stats, "span_prompt"),
                     "dev2_refused_not_higher": stats[v]["dev2"]["in_scope_refused"][0]
                     <= old["dev2"]["in_scope_refused"][0],
                     **ENSEMBLE["common_checks"](stats, "span_prompt", v)}
    passing = sorted((v for v in checks if all(checks[v].values())),
                     key=lambda v: (-MEAN3(stats, v), stats[v]["dev2"]["in_scope_refused"][0]))
    return {"mean_of_three": {v: round(MEAN3(stats, v), 2) for v in stats}, "checks": checks,
            "adopted": passing[0] if passing else None}


def main(path: str, folders: list[str]) -> None:
    ENSEMBLE["summarize"](path, {folder: folder_report(folder) for folder in folders}, VARIANTS, decision,
                          HERE / "rules.json", __doc__.split("\n\n")[0])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
