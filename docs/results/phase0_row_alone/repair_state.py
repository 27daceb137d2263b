"""Session 18: a training state that repairs a run's best full check again: ``python repair_state.py SRC_DIR DST_DIR``.
The best model file (``pretrained_encoder.pt``: weights and counters at its full check, no optimizer) with the
optimizer and schedule of the run's last state (``train_state.pt``; after any repair rounds it ran since, so
its Adam moments are theirs: a hand-steered experiment, reported as such), set to start repair round 1 on the
configurations that full check found wrong. With ``--more``: the run's last state itself (stopped by its cap of
repair rounds) goes on repairing what its last recheck found wrong, from the next round (raise
``--training.repair_rounds``). Resume it with ``--training.resume auto``."""

import json
import shutil
import sys
from pathlib import Path

import torch

src, dst = (Path(a) for a in sys.argv[1:3])
dst.mkdir(parents=True, exist_ok=True)
best = torch.load(src / "pretrained_encoder.pt", weights_only=True, map_location="cpu")
state = torch.load(src / "train_state.pt", weights_only=True, map_location="cpu")
if "--more" in sys.argv:
    assert state["stage"] == "done" and not state["finished"] and state["failures"], "a run stopped short, repairing"
    state.update(stage="repair", stage_step=0, repair_round=state["repair_round"] + 1)
    best["history"] = state["history"]
else:
    assert best["stage"] == "check" and best["failures"], "the best model is a full check's with wrong configurations"
    state.update({k: v for k, v in best.items() if k not in ("format",)})
    state.update(stage="repair", stage_step=0, repair_round=1, finished=False)
torch.save(state, dst / "train_state.pt")
shutil.copy2(src / "pretrained_encoder.pt", dst / "pretrained_encoder.pt")
(dst / "pretrain_metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in best["history"]))
print(f"{dst / 'train_state.pt'}: repair round {state['repair_round']} at step {state['step']} on "
      f"{len(state['failures'])} wrong, {len(state['at_risk'])} at risk")
