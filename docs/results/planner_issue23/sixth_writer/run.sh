#!/bin/bash
# Reproduces docs/results/planner_issue23/sixth_writer/ from the repository root (~40 min on 2 CPU cores): the
# sixth writer's bank from its raw file (filter.py, the fifth writer's filter), then the candidate trained and
# decided by rules.json against the shipped planners (BASE: seeds 0-2 scored on planner_dev2, e.g. runs/pref_fine).
# The decision reads validation only; planner_seeds.py writes the test reports too (w6_summary.json), read after it.
# Recorded with the code of commit af17a8e, before the refusal threshold lost its floor (scope_floor/): the candidate
# and BASE were trained with the floor at 0; at a later commit the candidate trains without it.
set -euo pipefail
OUT=${1:-runs/sixth_writer}; BASE=${2:-runs/pref_fine}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/sixth_writer
python docs/results/planner_issue23/short_requests/filter.py "$HERE/writer_raw.yaml" --bank training_only_w6.yaml \
  --header "$HERE/header.txt" --before training_only_w3.yaml training_only_w5.yaml > "$HERE/filter_log.txt"
bash docs/results/planner_issue23/variant_run.sh "$HERE" w6 "$OUT" "$BASE" "$ASSETS" --metric out_of_scope_recall
python docs/results/planner_issue23/short_requests/thresholds.py "$BASE" "$OUT/w6" > "$HERE/thresholds.json"
