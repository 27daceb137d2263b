#!/bin/bash
# Reproduces docs/results/planner_issue23/short_requests_all_heads/ from the repository root (~30 min on 2 CPU cores):
# the fifth writer's short requests teaching every head but the size term, against the shipped planners (BASE:
# short_requests/run.sh's w5s, scored on planner_dev2).
set -euo pipefail
OUT=${1:-runs/short_requests}; BASE=${2:-runs/short_requests/w5s}; ASSETS=${3:-assets}
HERE=docs/results/planner_issue23/short_requests_all_heads
bash docs/results/planner_issue23/variant_run.sh "$HERE" w5t "$OUT" "$BASE" "$ASSETS"
python docs/results/planner_issue23/near_miss/read_afterwards.py "$BASE" "$OUT/w5t" > "$HERE/tests_read_afterwards.json"
