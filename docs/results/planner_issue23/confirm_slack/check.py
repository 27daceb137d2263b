"""Does a loaded planner answer the validation requests that training answered? ``confirm_below`` is set at a
validation request's tool probability; a loaded planner (LoRA merged into the weights) computes that probability
again, slightly differently. For each planner: the lowest answered in-scope val probability as loaded against the
saved threshold, val's requests that ask for confirmation once loaded (training's threshold answers all of them on
these planners' val), and how many requests of every set lie in the band the slack opens (``CONFIRM_SLACK`` under
the saved threshold: answered with it, asked without), i.e. how many figures the fix could move.

``python docs/results/planner_issue23/confirm_slack/check.py OUT.json PLANNER_DIR [PLANNER_DIR ...]`` (~1 min a folder).
"""

from __future__ import annotations

import sys

from tomas.data import load_tool_data
from tomas.data.planner import load_handwritten, load_planner_examples
from tomas.eval.planner import CONFIRM_SLACK, example_hints, predict_examples
from tomas.inference import load_planner
from tomas.io import save_json

SETS = {"val": "data/planner/val.jsonl", "test": "data/planner/test.jsonl",
        "dev": "data/planner_dev/requests.jsonl", "dev2": "data/planner_dev2/requests.jsonl",
        "hand": "data/planner_handwritten/requests.jsonl", "hand2": "data/planner_handwritten2/requests.jsonl"}


def folder_report(folder: str) -> dict:
    planner = load_planner(folder, "cpu")
    data = load_tool_data(planner.cfg.data.tool_registry, planner.cfg.data.profiling_data)
    saved, out = planner.confirm_below, {"saved_confirm_below": planner.confirm_below}
    for name, path in SETS.items():
        examples = planner.read_examples(load_planner_examples(path, data) if name in ("val", "test")
                                         else load_handwritten(path, data))
        choices = predict_examples(planner.model, planner.tokenizer, examples, planner.device, 32,
                                   hints=example_hints(examples, data.tools, planner.table, "numbers"))
        probs = [c.tool_prob for c in choices if not c.out_of_scope]
        row = {"answered": len(probs), "asked_at_saved": sum(p < saved for p in probs),
               "in_slack_band": sum(saved - CONFIRM_SLACK <= p < saved for p in probs)}
        if name == "val":
            lowest = min(c.tool_prob for e, c in zip(examples, choices) if e.tool is not None and not c.out_of_scope)
            row["lowest_in_scope_prob_loaded"], row["loaded_minus_saved"] = lowest, lowest - saved
        out[name] = row
        print(folder, name, row, flush=True)
    return out


if __name__ == "__main__":
    save_json({"what": __doc__.split("\n\n")[0], "slack": CONFIRM_SLACK,
               "planners": {f: folder_report(f) for f in sys.argv[2:]}}, sys.argv[1])
