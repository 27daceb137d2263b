#!/bin/bash
# Reproduces docs/results/planner_issue23/seventh_writer/ from the repository root (~50 min on 2 CPU cores a
# candidate): the seventh and eighth writers' banks from their raw files (filter.py, the fifth writer's filter; the
# eighth's against the seventh's too), then the candidate, the shipped preset from scratch on the shipped file with
# their requests (seeds 0-2, with the input's facts given too, and on planner_dev2), decided by rules.json against
# BASE (session 26's from-scratch planners, validation only), then the test sets, read after the decision.
# bash run.sh [OUT] [BASE] [ASSETS] [e]: without "e" the first candidate (w78: decision.json), with it the second
# (w78e, filter.py --everyday_only: decision_everyday.json; run_everyday.sh).
# Neither candidate was adopted: the two banks the filter writes into the package folder
# (src/tomas/data/planner/banks/training_only_w{7,8}.yaml) are not shipped; remove them after a rerun.
set -euo pipefail
OUT=${1:-runs/s27}; BASE=${2:-runs/s26/span_prompt}; ASSETS=${3:-assets}; E=${4:-}
HERE=docs/results/planner_issue23/seventh_writer; W=docs/results/planner_issue23/short_requests/filter.py
BEFORE="training_only_w3.yaml training_only_w5.yaml training_only_w6.yaml"; NAME=w78$E
FLAGS=(); [ "$E" = e ] && FLAGS=(--everyday_only)
python "$W" "$HERE/writer7_raw.yaml" --bank training_only_w7.yaml --header "$HERE/header_w7.txt" "${FLAGS[@]}" \
  --before $BEFORE > "$HERE/filter_log_w7$E.txt"
python "$W" "$HERE/writer8_raw.yaml" --bank training_only_w8.yaml --header "$HERE/header_w8.txt" "${FLAGS[@]}" \
  --before $BEFORE training_only_w7.yaml > "$HERE/filter_log_w8$E.txt"
python "$HERE/variant_data.py" "$OUT/data_$NAME"
python experiments/planner_seeds.py --output_dir "$OUT/$NAME" --seeds 0 1 2 --size_modes numbers given -- \
  --data.assets_dir "$ASSETS" --data.train_file "$OUT/data_$NAME/train.jsonl"
bash docs/results/planner_issue23/dev2.sh "$OUT/$NAME"
bash docs/results/planner_issue23/decide_then_read.sh "$HERE" "$NAME" "$OUT" "$BASE" "decision${E:+_everyday}.json" "_$NAME"
