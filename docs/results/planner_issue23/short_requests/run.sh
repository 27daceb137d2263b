#!/bin/bash
# Reproduces docs/results/planner_issue23/short_requests/ from the repository root (~30 min on 2 CPU cores).
# BASE: the shipped planners (planner_seeds.py's OUT with seed_{0,1,2}, scored on dev2 by dev2.sh); ASSETS: the
# Phase 0 export they were trained on. w5s = the shipped training file plus the fifth writer's short requests,
# scope-only (variant_data.py; the bank from filter.py over the writer's raw file).
set -euo pipefail
OUT=${1:-runs/short_requests}; BASE=${2:-runs/s20_steps1200}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/short_requests
python "$HERE/variant_data.py" "$OUT/data_w5s"
python experiments/planner_seeds.py --output_dir "$OUT/w5s" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_w5s/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/w5s"
python docs/results/planner_issue23/scope_only/decide.py "$BASE" "$OUT/w5s" "$HERE/rules.json" w5s > "$HERE/decision.json"
cp "$OUT/w5s/summary.json" "$HERE/w5s_summary.json"
python "$HERE/thresholds.py" "$BASE" "$OUT/w5s" > "$HERE/thresholds.json"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/w5s" > "$HERE/tests_read_afterwards.json"
