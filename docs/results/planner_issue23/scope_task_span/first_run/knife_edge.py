"""Why the first from-scratch run's seed 2 refused one more of planner_dev's in-scope requests than training had kept:
its refusal score, from the planner loaded as shipped (LoRA merged into the weights) and with the merge skipped (as
in training), against the threshold training chose at that very score (before ``eval.scope.halfway_up``).
Validation only. From the repository root: ``python knife_edge.py runs/s25/span/seed_2 > knife_edge.json``."""
import json
import sys

import peft

from tomas.inference import load_planner
from tomas.models.planner import predict_requests

TASK = "My Galaxy S3 snapped this painting at the museum. Impressionism, cubism or surrealism?"


def main(folder: str) -> None:
    rows = [json.loads(line) for line in open("data/planner_dev/requests.jsonl").read().splitlines()]
    requests = [(r["task"], r["free_resources"], r.get("latency_budget_ms")) for r in rows]
    at = [r["task"] for r in rows].index(TASK)
    out = {"planner": folder, "request": TASK}
    for way in ("merged", "unmerged"):
        if way == "unmerged":
            peft.PeftModel.merge_adapter = lambda self, *args, **kwargs: None  # keep LoRA apart, as in training
        planner = load_planner(folder, "cpu")
        choice = predict_requests(planner.model, planner.tokenizer, requests, planner.device)[at]
        threshold = planner.model.decoder.out_of_scope_above
        out[way] = {"scope_score": choice.scope_score, "threshold": threshold,
                    "above_by": choice.scope_score - threshold, "refused": choice.out_of_scope}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(sys.argv[1])
