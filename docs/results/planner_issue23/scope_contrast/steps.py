"""Which checkpoint each seed's training kept, and what validation read at every evaluation: ``python steps.py
CANDIDATE BASE > steps.json`` (each a planner_seeds.py folder of seed_{0,1,2}). Per seed: the step kept
(``planner.json: validation.step``; the best validation configuration accuracy, then tool accuracy), and at each
evaluation val's configuration and tool accuracy and out-of-scope recall; for the candidate also the range of the
logged contrastive term (``contrast_loss``, before its weight)."""
import json
import sys
from pathlib import Path


def seed_rows(folder: Path) -> dict:
    history = [json.loads(line) for line in (folder / "planner_metrics.jsonl").read_text().splitlines()]
    evals = [{k: r[k] for k in ("step", "val_config_accuracy", "val_tool_accuracy", "val_out_of_scope_recall")}
             for r in history if "val_config_accuracy" in r]
    out = {"kept_step": json.loads((folder / "planner.json").read_text())["validation"]["step"], "evaluations": evals}
    logged = [r["contrast_loss"] for r in history if "contrast_loss" in r]
    if logged:
        out["contrast_loss_range"] = [min(logged), max(logged)]
    return out


print(json.dumps({run: {f"seed_{s}": seed_rows(Path(run) / f"seed_{s}") for s in range(3)} for run in sys.argv[1:]},
                 indent=1))
