#!/bin/bash
# Read after the decision (run.sh), once adopted: the planners with the input's facts given, with and without the
# preference reader (the reader's own adoption rule, preferences/rules.json, applied again), the two baselines
# trained on the adopted training file (the shipped data/planner/train.jsonl since this change) and the test sets
# against the planners before (BASE). From the repository root, ~25 min: bash after.sh [OUT] [BASE]
set -euo pipefail
OUT=${1:-runs/sixth_writer}; BASE=${2:-runs/pref_fine}
HERE=docs/results/planner_issue23/sixth_writer; P=docs/results/planner_issue23/preferences
cmp "$OUT/data_w6/train.jsonl" data/planner/train.jsonl  # the baselines read the shipped file: it must be this one
python experiments/planner_seeds.py --output_dir "$OUT/w6" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir assets --data.train_file "$OUT/data_w6/train.jsonl"
cp "$OUT/w6/summary.json" "$HERE/w6_summary.json"
[ -d "$OUT/w6_off" ] || python "$P/without.py" "$OUT/w6" "$OUT/w6_off"
python experiments/planner_seeds.py --output_dir "$OUT/w6_off" --seeds 0 1 2 --size_modes numbers given
[ -f runs/prefdata/test.jsonl ] || tomas data generate-planner --output_dir runs/prefdata --preference_share 0.3
bash "$P/score_sets.sh" "$OUT/w6" "$OUT/w6_off"
python "$P/summarize.py" "$OUT/w6" "$OUT/w6_off" "$HERE/preferences"
python experiments/planner_baselines.py --output_dir "$HERE/baselines"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/w6" > "$HERE/tests_read_afterwards.json"
