#!/bin/bash
# After both decisions (run.sh: the sixth writer's requests; scope_floor/probe.py: no floor under the refusal
# threshold), the shipped preset as shipped, from scratch: seeds 0-2 on the shipped data/planner/train.jsonl (= the
# candidate's file) into OUT/shipped, with the input's facts given too and on planner_dev2; with and without the
# preference reader (its own rule, preferences/rules.json, applied again); the two baselines trained on the same
# file; the test sets against the planners before (BASE). From the repository root, ~50 min: bash after.sh [OUT] [BASE]
set -euo pipefail
OUT=${1:-runs/sixth_writer}; BASE=${2:-runs/pref_fine}
HERE=docs/results/planner_issue23/sixth_writer; P=docs/results/planner_issue23/preferences
cmp "$OUT/data_w6/train.jsonl" data/planner/train.jsonl  # what was decided on is what ships
python experiments/planner_seeds.py --output_dir "$OUT/shipped" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir assets
cp "$OUT/shipped/summary.json" "$HERE/shipped_summary.json"
bash "$P/with_and_without.sh" "$OUT/shipped" "$HERE/preferences"
python docs/results/planner_issue23/short_requests/thresholds.py "$BASE" "$OUT/w6" "$OUT/shipped" \
  > "$HERE/thresholds.json"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/w6" "$OUT/shipped" \
  > "$HERE/tests_read_afterwards.json"
python experiments/planner_baselines.py --output_dir "$HERE/baselines"
