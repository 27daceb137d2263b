"""Session 18: a copy of a row-alone run's training state that trains on (a hand-steered continuation, reported as
such): ``python continue_state.py SRC_DIR DST_DIR [TOTAL]``. A run that stopped short of its target goes back to
the LM stage. The copy continues at the rates the source ended at: held there (resume with ``--training.schedule
constant``), or, given TOTAL, decaying linearly from them as if the peak rates had been such that the linear
schedule over TOTAL steps is at them now (resume with ``--training.schedule linear --training.max_steps TOTAL``;
the restored scheduler's peak rates are the ones used, whatever the flags say)."""

import shutil
import sys
from pathlib import Path

import torch

src, dst = Path(sys.argv[1]), Path(sys.argv[2])
total = int(sys.argv[3]) if len(sys.argv) > 3 else None
dst.mkdir(parents=True, exist_ok=True)
for name in ("pretrain_metrics.jsonl", "pretrained_encoder.pt"):
    shutil.copy2(src / name, dst / name)
state = torch.load(src / "train_state.pt", weights_only=True, map_location="cpu")
assert all(r["stage"] not in ("anchor", "repair") for r in state["history"]), \
    "only a row-alone run (no anchor stage) that has not repaired continues"
assert total is None or total > state["step"], f"TOTAL must be past step {state['step']}"
if state["stage"] == "done":
    assert not state["finished"], "only a run stopped short of its target continues"
    state["stage"], state["stage_step"] = "lm", state["step"]  # every step so far was an LM step
assert state["stage"] == "lm", f"{src}: stage {state['stage']}, not the LM stage"
scale = 1.0 if total is None else 1.0 - state["step"] / total
state["scheduler"]["base_lrs"] = [lr / scale for lr in state["scheduler"]["_last_lr"]]
torch.save(state, dst / "train_state.pt")
print(f"{dst / 'train_state.pt'}: LM stage at step {state['stage_step']}, rates now "
      f"{state['scheduler']['_last_lr']}, peak rates {state['scheduler']['base_lrs']}")
