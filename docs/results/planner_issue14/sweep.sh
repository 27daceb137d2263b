#!/bin/bash
# Issue 14 sweep: the shipped recipe (numeric cues in training) then the ablation without them; 3 seeds each.
set -e
cd /work/wt-runs
export PYTHONPATH=/work/wt-runs/src
PY=/work/main/.venv/bin/python
$PY experiments/planner_seeds.py --output_dir runs/robust_numeric --seeds 0 1 2
$PY experiments/planner_seeds.py --output_dir runs/robust_no_numeric --seeds 0 1 2 -- --data.train_file runs/data_no_numeric/train.jsonl
