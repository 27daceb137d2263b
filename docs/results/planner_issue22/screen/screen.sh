#!/bin/bash
# Preset re-selection on validation (issue 22): one seed per variant, validation only.
cd "$(dirname "$0")/../../../.."
run() { name=$1; shift
  [ -f runs/i22/screen/$name/val/planner_eval_report.json ] && return
  .venv/bin/tomas train --config configs/train_planner.yaml --output_dir runs/i22/screen/$name "$@" &&
  .venv/bin/tomas evaluate-planner --planner_dir runs/i22/screen/$name --test_file data/planner/val.jsonl \
     --output_dir runs/i22/screen/$name/val
}
run qv_lora --model.lora.target_modules '[q_proj,v_proj]'
run last_readout --model.readout last
run steps400 --training.max_steps 400 --training.eval_every_steps 200
