#!/bin/bash
# Read after the decision (run.sh): the adopted planners with the input's facts given, with and without the
# preference reader (the reader's own adoption rule, preferences/rules.json = planner_issue23/preferences/
# rules_cap1.json, applied again), and the two baselines trained on the adopted training file (the shipped
# data/planner/train.jsonl since this change). From the repository root, ~25 min: bash after.sh [OUT]
set -euo pipefail
OUT=${1:-runs/short_requests}; HERE=docs/results/planner_issue23/short_requests; P=docs/results/planner_issue23/preferences
python experiments/planner_seeds.py --output_dir "$OUT/w5s" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir assets --data.train_file "$OUT/data_w5s/train.jsonl"
cp "$OUT/w5s/summary.json" "$HERE/w5s_summary.json"
bash "$P/with_and_without.sh" "$OUT/w5s" "$HERE/preferences"
python experiments/planner_baselines.py --output_dir "$HERE/baselines"
