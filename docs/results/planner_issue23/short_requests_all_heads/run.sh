#!/bin/bash
# Reproduces docs/results/planner_issue23/short_requests_all_heads/ from the repository root (~30 min on 2 CPU cores):
# the fifth writer's short requests teaching every head but the size term, against the shipped planners (BASE:
# short_requests/run.sh's w5s, scored on planner_dev2).
set -euo pipefail
OUT=${1:-runs/short_requests}; BASE=${2:-runs/short_requests/w5s}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/short_requests_all_heads
python "$HERE/variant_data.py" "$OUT/data_w5t"
python experiments/planner_seeds.py --output_dir "$OUT/w5t" --seeds 0 1 2 --size_modes numbers -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_w5t/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/w5t"
python docs/results/planner_issue23/third_writer/decide.py --rules "$HERE/rules.json" --max_refused 0.02 "$BASE" \
  "$OUT/w5t" > "$HERE/decision.json"
cp "$OUT/w5t/summary.json" "$HERE/w5t_summary.json"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/w5t" > "$HERE/tests_read_afterwards.json"
