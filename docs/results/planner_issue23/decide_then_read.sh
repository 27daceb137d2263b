#!/bin/bash
# A candidate's seeds (OUT/NAME: experiments/planner_seeds.py, then dev2.sh) decided by HERE/rules.json against BASE on
# validation only (third_writer/decide.py with session 27's conditions) into HERE/DECISION, its summary (and PNG)
# copied to HERE, then the test sets read after the decision, never chosen on: HERE/tests_read_afterwards<TAG>.json
# and HERE/thresholds<TAG>.json. From the repository root:
# bash docs/results/planner_issue23/decide_then_read.sh HERE NAME OUT BASE DECISION [TAG]
set -euo pipefail
HERE=$1; NAME=$2; OUT=$3; BASE=$4; DECISION=$5; TAG=${6:-}
python docs/results/planner_issue23/third_writer/decide.py --rules "$HERE/rules.json" --max_refused 0.02 \
  --metric out_of_scope_recall --no_rise in_scope_refused "$BASE" "$OUT/$NAME" > "$HERE/$DECISION"
cp "$OUT/$NAME/summary.json" "$HERE/${NAME}_summary.json"
if [ -f "$OUT/$NAME/summary.png" ]; then cp "$OUT/$NAME/summary.png" "$HERE/${NAME}_summary.png"; fi
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/$NAME" > "$HERE/tests_read_afterwards$TAG.json"
python docs/results/planner_issue23/short_requests/thresholds.py "$BASE" "$OUT/$NAME" > "$HERE/thresholds$TAG.json"
