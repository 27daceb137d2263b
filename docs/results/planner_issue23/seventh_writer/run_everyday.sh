#!/bin/bash
# The second candidate of session 27 (rules.json "w78e", written after run.sh's decision was read), from the
# repository root (~45 min on 2 CPU cores): the seventh and eighth writers' banks again, keeping of their out-of-scope
# requests only those no ML tool would serve (filter.py --everyday_only: their near misses dropped), the shipped
# preset from scratch on the shipped file with them (seeds 0-2, with the input's facts given too, and on
# planner_dev2), decided by rules.json against BASE (validation only) into decision_everyday.json; planner_seeds.py
# writes the test reports too (w78e_summary.json), read after the decision. bash run_everyday.sh [OUT] [BASE] [ASSETS]
# Neither candidate was adopted: the two banks the filter writes into the package folder
# (src/tomas/data/planner/banks/training_only_w{7,8}.yaml) are not shipped; remove them after a rerun.
set -euo pipefail
OUT=${1:-runs/s27}; BASE=${2:-runs/s26/span_prompt}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/seventh_writer; W=docs/results/planner_issue23/short_requests/filter.py
BEFORE="training_only_w3.yaml training_only_w5.yaml training_only_w6.yaml"
python "$W" "$HERE/writer7_raw.yaml" --bank training_only_w7.yaml --header "$HERE/header_w7.txt" --everyday_only \
  --before $BEFORE > "$HERE/filter_log_w7e.txt"
python "$W" "$HERE/writer8_raw.yaml" --bank training_only_w8.yaml --header "$HERE/header_w8.txt" --everyday_only \
  --before $BEFORE training_only_w7.yaml > "$HERE/filter_log_w8e.txt"
python "$HERE/variant_data.py" "$OUT/data_w78e"
python experiments/planner_seeds.py --output_dir "$OUT/w78e" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_w78e/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/w78e"
python docs/results/planner_issue23/third_writer/decide.py --rules "$HERE/rules.json" --max_refused 0.02 \
  --metric out_of_scope_recall --no_rise in_scope_refused "$BASE" "$OUT/w78e" > "$HERE/decision_everyday.json"
cp "$OUT/w78e/summary.json" "$HERE/w78e_summary.json"
[ -f "$OUT/w78e/summary.png" ] && cp "$OUT/w78e/summary.png" "$HERE/w78e_summary.png"
# Read after the decision (never chosen on): the test sets against BASE.
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/w78e" > "$HERE/tests_read_afterwards_w78e.json"
python docs/results/planner_issue23/short_requests/thresholds.py "$BASE" "$OUT/w78e" > "$HERE/thresholds_w78e.json"
