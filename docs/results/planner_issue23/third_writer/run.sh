#!/bin/bash
# Reproduces docs/results/planner_issue23/third_writer/ from the repository root (~40 min on 2 CPU cores).
# SHIPPED: the shipped planners' folder (training_only/run.sh's OUT/B, scored with this code: planner_seeds.py
# skips the training of a folder that has planner.json); ASSETS: run #12's Phase 0 export, as there.
# w3 = the second and third writers' training-only text; w3b = the same without the third writer's size cues.
set -euo pipefail
OUT=${1:-runs/third_writer}; ASSETS=${2:-assets}; SHIPPED=${3:-runs/training_only/B}
HERE=docs/results/planner_issue23/third_writer
python experiments/planner_seeds.py --output_dir "$SHIPPED" --seeds 0 1 2 --size_modes numbers
bash docs/results/planner_issue23/dev2.sh "$SHIPPED"
for v in w3 w3b; do
  python "$HERE/variant_data.py" "$v" "$OUT/data_$v"
  python experiments/planner_seeds.py --output_dir "$OUT/$v" --seeds 0 1 2 --size_modes numbers -- \
    --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_$v/train.jsonl"
  bash docs/results/planner_issue23/dev2.sh "$OUT/$v"
done
python "$HERE/decide.py" "$SHIPPED" "$OUT/w3" "$OUT/w3b" > "$HERE/decision.json"
