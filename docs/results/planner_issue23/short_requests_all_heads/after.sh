#!/bin/bash
# Read after the decision (run.sh): the adopted planners with the input's facts given, and with and without the
# preference reader (its own adoption rule, preferences/rules.json = planner_issue23/preferences/rules_cap1.json,
# applied again). The baselines are short_requests/baselines/: this training file's text and labels are that one's.
# From the repository root, ~10 min: bash after.sh [OUT]
set -euo pipefail
OUT=${1:-runs/short_requests}; HERE=docs/results/planner_issue23/short_requests_all_heads
P=docs/results/planner_issue23/preferences
python experiments/planner_seeds.py --output_dir "$OUT/w5t" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir assets --data.train_file "$OUT/data_w5t/train.jsonl"
cp "$OUT/w5t/summary.json" "$HERE/w5t_summary.json"
python docs/results/planner_issue23/short_requests/thresholds.py "$OUT/w5s" "$OUT/w5t" > "$HERE/thresholds.json"
bash "$P/with_and_without.sh" "$OUT/w5t" "$HERE/preferences"
