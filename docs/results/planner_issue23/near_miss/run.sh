#!/bin/bash
# Reproduces docs/results/planner_issue23/near_miss/ from the repository root (~25 min on 2 CPU cores).
# BASE: the shipped planners (planner_seeds.py's OUT with seed_{0,1,2}, scored on dev2 by dev2.sh); ASSETS: the
# Phase 0 export they were trained on. w4s = the shipped training file plus the fourth writer's near-miss
# out-of-scope requests, scope-only (variant_data.py; the bank from filter.py over the writer's raw file).
set -euo pipefail
OUT=${1:-runs/near_miss}; BASE=${2:-runs/spelling}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/near_miss
python "$HERE/variant_data.py" "$OUT/data_w4s"
python experiments/planner_seeds.py --output_dir "$OUT/w4s" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_w4s/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/w4s"
python docs/results/planner_issue23/scope_only/decide.py "$BASE" "$OUT/w4s" "$HERE/rules.json" w4s > "$HERE/decision.json"
cp "$OUT/w4s/summary.json" "$HERE/w4s_summary.json"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/w4s" > "$HERE/tests_read_afterwards.json"
